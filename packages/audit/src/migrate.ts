import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@mcpgate/core';
import { GatewayError, sha256Hex, silentLogger } from '@mcpgate/core';
import type { ScriptQueryable, Store } from './store/types.js';

/** Every concern's migrations live here (audit 0001–0009, policy 0010–0019, auth 0020–0029, approvals 0030–0039). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

// Arbitrary but fixed: every mcpgate process that migrates takes this transaction-scoped advisory lock.
const MIGRATION_LOCK_KEY = 7_236_123_998_122;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrateOptions {
  readonly dir?: string;
  readonly logger?: Logger;
}

export interface MigrateReport {
  /** Versions applied by this run, in order. */
  readonly applied: readonly number[];
  /** Highest version in the database after the run. */
  readonly current: number;
  /** Highest version this build ships. */
  readonly latest: number;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files in version order; duplicate numbers are a build error. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of readdirSync(dir).sort()) {
    const m = FILE.exec(file);
    if (!m) continue;
    const version = Number(m[1]);
    const prior = seen.get(version);
    if (prior) throw new Error(`two migrations share number ${m[1]}: ${prior} and ${file}`);
    seen.set(version, file);
    const sql = readFileSync(`${dir}/${file}`, 'utf8');
    out.push({ version, name: file.replace(/\.sql$/, ''), sql, checksum: sha256Hex(sql) });
  }
  return out;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

function tooNew(rows: AppliedRow[], latest: number, desc: string): GatewayError | undefined {
  const newer = rows.filter((r) => r.version > latest);
  if (newer.length === 0) return undefined;
  const top = newer[newer.length - 1]!;
  return new GatewayError(
    'audit_unavailable',
    `the database at ${desc} has schema migration ${top.name} but this mcpgate build only knows up to ${String(latest).padStart(4, '0')}; refusing to start — upgrade mcpgate (an older build could misread newer audit records)`,
    { data: { databaseVersion: top.version, buildVersion: latest } },
  );
}

async function applied(tx: ScriptQueryable): Promise<AppliedRow[]> {
  const r = await tx.query<AppliedRow>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  return r.rows;
}

/**
 * Applies every pending migration in one transaction under an advisory lock, so replicas that
 * start together apply each migration exactly once. Refuses a database newer than this build.
 */
export async function migrate(store: Store, opts: MigrateOptions = {}): Promise<MigrateReport> {
  const log = opts.logger ?? silentLogger;
  const migrations = loadMigrations(opts.dir);
  const latest = migrations.at(-1)?.version ?? 0;
  return store.scriptTransaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(CREATE_TABLE);
    const rows = await applied(tx);
    const err = tooNew(rows, latest, store.description);
    if (err) throw err;
    const done = new Map(rows.map((r) => [r.version, r]));
    const appliedNow: number[] = [];
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum)
          log.warn({ migration: m.name }, 'migration file changed after it was applied; not re-applying');
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      appliedNow.push(m.version);
      log.info({ migration: m.name }, 'applied migration');
    }
    return { applied: appliedNow, current: Math.max(latest, ...rows.map((r) => r.version)), latest };
  });
}

/**
 * For a gateway that must not migrate (least-privilege role): fails unless the database is
 * exactly at this build's schema.
 */
export async function checkSchema(store: Store, opts: MigrateOptions = {}): Promise<MigrateReport> {
  const migrations = loadMigrations(opts.dir);
  const latest = migrations.at(-1)?.version ?? 0;
  let rows: AppliedRow[];
  try {
    rows = (
      await store.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    ).rows;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') rows = [];
    else throw err;
  }
  const err = tooNew(rows, latest, store.description);
  if (err) throw err;
  const have = new Set(rows.map((r) => r.version));
  const missing = migrations.filter((m) => !have.has(m.version));
  if (missing.length > 0)
    throw new GatewayError(
      'audit_unavailable',
      `the database at ${store.description} is missing migrations ${missing.map((m) => m.name).join(', ')}; run "mcpgate migrate"`,
    );
  return { applied: [], current: latest, latest };
}
