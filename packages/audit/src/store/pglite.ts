import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlResult } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import { LocalBus } from './bus.js';
import { Mutex } from './mutex.js';
import type { ScriptQueryable, Store } from './types.js';

export interface PgliteOptions {
  /** Data directory; created if missing. Omit for an in-memory database (tests). */
  readonly dir?: string;
}

const LOCK_FILE = 'mcpgate.pid';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single-process database: a second process opening the same directory would corrupt
 * it. A pid file makes that a clear startup error instead; a stale file (kill -9) is taken over.
 */
function lockDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid))
      throw new GatewayError(
        'audit_unavailable',
        `the embedded store at ${dir} is in use by process ${pid}; stop it first, or use store.url (Postgres) to share one store between processes`,
      );
  } catch (err) {
    if (err instanceof GatewayError) throw err;
  }
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      /* already gone */
    }
  };
}

function wrapTx(tx: Transaction): ScriptQueryable {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      const r = await tx.query<R>(text, params as unknown[] | undefined);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(script: string): Promise<void> {
      await tx.exec(script);
    },
  };
}

/** A `SqlClient` over embedded PGlite. One connection, so every statement and transaction is serialized. */
export async function openPglite(opts: PgliteOptions = {}): Promise<Store> {
  let unlock = (): void => undefined;
  let dir: string | undefined;
  if (opts.dir !== undefined) {
    dir = resolve(opts.dir);
    mkdirSync(dir, { recursive: true });
    unlock = lockDir(dir);
  }
  let db: PGlite;
  try {
    db = await PGlite.create(dir, { parsers: { 20: (v: string) => Number(v) } });
  } catch (err) {
    unlock();
    throw err;
  }
  const mutex = new Mutex();
  const bus = new LocalBus();

  async function inTransaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    return mutex.run(() => db.transaction((tx) => fn(wrapTx(tx))));
  }

  return {
    kind: 'pglite',
    description: dir ? `embedded store ${dir}` : 'embedded store (in memory)',
    query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      return mutex.run(async () => {
        const r = await db.query<R>(text, params as unknown[] | undefined);
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      });
    },
    transaction: inTransaction,
    scriptTransaction: inTransaction,
    listen(channel, onPayload) {
      const off = bus.subscribe(channel, onPayload);
      return Promise.resolve(() => {
        off();
        return Promise.resolve();
      });
    },
    notify(channel, payload) {
      bus.publish(channel, payload);
      return Promise.resolve();
    },
    async close() {
      await mutex.run(() => db.close());
      unlock();
    },
  };
}
