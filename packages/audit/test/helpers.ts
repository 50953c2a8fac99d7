import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPglite } from '../src/store/pglite.js';
import { openPostgres } from '../src/store/pg.js';
import type { Store } from '../src/store/types.js';

export const PG_URL = process.env.MCPGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement as the superuser outside any store (schema setup, tampering). Fails loudly if Postgres is absent. */
export async function admin<R = Record<string, unknown>>(
  text: string,
  params?: unknown[],
  schema?: string,
): Promise<R[]> {
  const c = new pg.Client({
    connectionString: PG_URL,
    ...(schema ? { options: `-c search_path=${schema},public` } : {}),
  });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as R[];
  } finally {
    await c.end();
  }
}

export interface PgSchema {
  readonly schema: string;
  open(extra?: { poolSize?: number; applicationName?: string }): Promise<Store>;
  drop(): Promise<void>;
}

/** A fresh schema for one test file; `open` returns stores whose search path starts there. */
export async function pgSchema(label: string): Promise<PgSchema> {
  const schema = `t_${label}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE SCHEMA ${schema}`);
  return {
    schema,
    open: (extra = {}) => openPostgres({ url: PG_URL, schema, ...extra }),
    drop: async () => {
      await admin(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

export interface Backend {
  readonly name: 'postgres' | 'pglite';
  open(): Promise<Store>;
  cleanup(): Promise<void>;
  /** Runs SQL with full rights on the same database (superuser on Postgres, the one connection on PGlite). */
  superuser<R = Record<string, unknown>>(store: Store, text: string): Promise<R[]>;
}

/** Both real stores: a fresh Postgres schema and a fresh PGlite directory. */
export function backends(label: string): Array<() => Promise<Backend>> {
  return [
    async () => {
      const s = await pgSchema(label);
      return {
        name: 'postgres',
        open: () => s.open(),
        cleanup: () => s.drop(),
        superuser: (_store, text) => admin(text, undefined, s.schema),
      };
    },
    () => {
      const dir = mkdtempSync(join(tmpdir(), `mcpgate-${label}-`));
      return Promise.resolve({
        name: 'pglite',
        open: () => openPglite({ dir: join(dir, 'data') }),
        cleanup: () => {
          rmSync(dir, { recursive: true, force: true });
          return Promise.resolve();
        },
        superuser: async <R>(store: Store, text: string) => {
          // One connection, superuser already: run the script in a transaction like psql would.
          await store.scriptTransaction((tx) => tx.exec(text));
          return [] as R[];
        },
      } satisfies Backend);
    },
  ];
}
