import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Logger, SqlResult } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import { LocalBus } from './bus.js';
import { Mutex } from './mutex.js';
import { makeOwnerOnly } from './owner-only.js';
import type { ScriptQueryable, Store } from './types.js';

export interface PgliteOptions {
  /** Data directory; created if missing. Omit for an in-memory database (tests). */
  readonly dir?: string;
  /** Where a store found open to other users is reported. */
  readonly logger?: Logger;
}

/** How often a running embedded store's new files are made owner-only again (see owner-only.ts). */
const OWNER_ONLY_SWEEP_MS = 60_000;

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
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
    } catch {
      /* already gone */
    }
  };
}

/**
 * An existing store open to other users could have been read (arguments, identities) or written
 * by any local account: say so, with the path, and fix it (or say how when we cannot).
 */
async function warnIfOpen(dir: string, logger: Logger | undefined): Promise<void> {
  const report = await makeOwnerOnly(dir);
  if ((report.dirMode & 0o077) === 0 && report.openEntries === 0 && report.failed.length === 0) return;
  const found = {
    dir,
    mode: `0${report.dirMode.toString(8)}`,
    openEntries: report.openEntries,
  };
  if (report.failed.length > 0) {
    logger?.error(
      { ...found, failed: report.failed.slice(0, 5) },
      `the embedded store ${dir} is open to other users and could not be made owner-only; run: chmod -R go-rwx ${dir}`,
    );
    return;
  }
  logger?.warn(
    found,
    `the embedded store ${dir} was open to other users (directory mode ${found.mode}, ${report.openEntries} entries readable or writable by others): now owner-only (0700 directories, 0600 files); other local accounts may have read or changed it before`,
  );
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
  let sweeper: NodeJS.Timeout | undefined;
  let existed = false;
  if (opts.dir !== undefined) {
    dir = resolve(opts.dir);
    existed = existsSync(join(dir, 'PG_VERSION'));
    // 0700 whatever the umask: mkdir applies the umask to the mode, the sweep below sets it.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (existed) await warnIfOpen(dir, opts.logger);
    unlock = lockDir(dir);
  }
  let db: PGlite;
  try {
    db = await PGlite.create(dir, { parsers: { 20: (v: string) => Number(v) } });
  } catch (err) {
    unlock();
    throw err;
  }
  if (dir !== undefined) {
    const tree = dir;
    const sweep = () =>
      makeOwnerOnly(tree).catch((err: unknown) =>
        opts.logger?.warn({ err: String(err), dir: tree }, 'could not make the embedded store owner-only'),
      );
    // A new store's files were all just created 0666; an existing one was swept above.
    if (!existed) await sweep();
    sweeper = setInterval(() => void sweep(), OWNER_ONLY_SWEEP_MS);
    sweeper.unref();
    const stopSweeping = unlock;
    unlock = () => {
      clearInterval(sweeper);
      stopSweeping();
    };
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
      if (dir !== undefined) await makeOwnerOnly(dir).catch(() => undefined);
      unlock();
    },
  };
}
