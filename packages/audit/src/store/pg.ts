import pg from 'pg';
import type { Logger, SqlQueryOptions, SqlResult } from '@mcpgate/core';
import { silentLogger } from '@mcpgate/core';
import type { HeldConnection, ScriptQueryable, Store } from './types.js';

export interface PostgresOptions {
  /** `postgres://user@host:port/db` — credentials come from the URL (or PG* env read by the CLI). */
  readonly url: string;
  /** Pool size (default 10). The audit writer needs one connection; the rest serve queries. */
  readonly poolSize?: number;
  /** Fail a connection attempt after this long (default 3000 ms): a down store must refuse calls quickly. */
  readonly connectTimeoutMs?: number;
  /** Client-side timeout for one query (default 15000 ms), so a hung server cannot hang calls forever. */
  readonly queryTimeoutMs?: number;
  /** Schema to put first on the search path (tests use one schema per file). `[a-z0-9_]+`. */
  readonly schema?: string;
  readonly applicationName?: string;
  readonly logger?: Logger;
}

// int8 as a JS number on both stores (sequence numbers and counts stay far below 2^53).
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (v: string) => unknown {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown;
  },
};

/** Redacts the password so the URL can appear in logs and errors. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function toResult<R>(r: pg.QueryResult): SqlResult<R> {
  return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
}

function wrap(client: pg.PoolClient): ScriptQueryable {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      return toResult<R>(await client.query(text, params as unknown[] | undefined));
    },
    async exec(script: string): Promise<void> {
      // No parameters → simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}

/** A `SqlClient` over a `pg` pool; LISTEN runs on one dedicated connection that reconnects by itself. */
export function openPostgres(opts: PostgresOptions): Promise<Store> {
  const log = opts.logger ?? silentLogger;
  if (opts.schema !== undefined && !/^[a-z0-9_]+$/.test(opts.schema))
    return Promise.reject(new Error(`store schema must match [a-z0-9_]+, got "${opts.schema}"`));
  const clientConfig: pg.ClientConfig = {
    connectionString: opts.url,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 3000,
    query_timeout: opts.queryTimeoutMs ?? 15_000,
    application_name: opts.applicationName ?? 'mcpgate',
    types,
    ...(opts.schema ? { options: `-c search_path=${opts.schema},public` } : {}),
  };
  const poolSize = opts.poolSize ?? 10;
  const pool = new pg.Pool({ ...clientConfig, max: poolSize, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => log.warn({ err: err.message }, 'audit store: idle connection error'));

  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: pg.Client | undefined;
  let listenConnecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  async function connectListener(): Promise<pg.Client> {
    const c = new pg.Client(clientConfig);
    c.on('notification', (msg) => {
      const set = listeners.get(msg.channel);
      if (set) for (const fn of [...set]) fn(msg.payload ?? '');
    });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'audit store: listen connection lost; reconnecting');
      if (listenClient === c) listenClient = undefined;
      c.end().catch(() => undefined);
      scheduleReconnect();
    });
    await c.connect();
    for (const channel of listeners.keys()) await c.query(`LISTEN ${quoteIdent(channel)}`);
    return c;
  }

  function scheduleReconnect(delay = 1000): void {
    if (closed || retryTimer || listeners.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      ensureListener().catch(() => scheduleReconnect(Math.min(delay * 2, 30_000)));
    }, delay);
    retryTimer.unref();
  }

  async function ensureListener(): Promise<pg.Client> {
    if (listenClient) return listenClient;
    listenConnecting ??= connectListener().finally(() => (listenConnecting = undefined));
    listenClient = await listenConnecting;
    return listenClient;
  }

  const held = new Set<() => void>();

  /**
   * A pool connection kept checked out. A checked-out pg client has no error listener of the
   * pool's, so one is added: a connection lost while held is dropped (released as broken) and
   * the next query takes a fresh one.
   */
  function holdConnection(): HeldConnection | undefined {
    // The holder's reads (head, tree catch-up) and everyone else still need a pooled connection.
    if (poolSize < 2) return undefined;
    let client: pg.PoolClient | undefined;
    let acquiring: Promise<pg.PoolClient> | undefined;
    const onError = (err: Error): void => drop(err);
    const drop = (err?: Error): void => {
      const c = client;
      client = undefined;
      c?.off('error', onError);
      // `true` destroys the connection rather than returning it to the pool.
      c?.release(err ?? true);
    };
    const acquire = async (): Promise<pg.PoolClient> => {
      const c = await pool.connect();
      c.on('error', onError);
      client = c;
      return c;
    };
    const release = (): void => {
      held.delete(release);
      const c = client;
      client = undefined;
      c?.off('error', onError);
      c?.release();
    };
    held.add(release);
    return {
      async query<R>(text: string, params?: readonly unknown[], o?: SqlQueryOptions): Promise<SqlResult<R>> {
        if (closed) throw new Error('the store is closed');
        const c = client ?? (await (acquiring ??= acquire().finally(() => (acquiring = undefined))));
        const values = params as unknown[] | undefined;
        try {
          return toResult<R>(
            await c.query(o?.prepare ? { name: o.prepare, text, values } : { text, values }),
          );
        } catch (err) {
          // A failed statement leaves a healthy connection usable; a broken one is replaced.
          if (isConnectionError(err) && client === c) drop(err as Error);
          throw err;
        }
      },
      release,
    };
  }

  async function inTransaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      }
    } catch (err) {
      broken ??= isConnectionError(err) ? (err as Error) : undefined;
      throw err;
    } finally {
      // A connection that failed mid-transaction is discarded rather than returned to the pool.
      client.release(broken);
    }
  }

  const store: Store = {
    kind: 'postgres',
    description: describeUrl(opts.url) + (opts.schema ? ` (schema ${opts.schema})` : ''),
    async query<R>(text: string, params?: readonly unknown[], opts?: SqlQueryOptions): Promise<SqlResult<R>> {
      const values = params as unknown[] | undefined;
      // A named statement is parsed and planned once per connection (pg prepares it on first use).
      return toResult<R>(
        await pool.query(opts?.prepare ? { name: opts.prepare, text, values } : { text, values }),
      );
    },
    transaction: inTransaction,
    scriptTransaction: inTransaction,
    holdConnection,
    async listen(channel, onPayload) {
      let set = listeners.get(channel);
      const first = !set;
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(onPayload);
      if (first) {
        const c = await ensureListener();
        // ensureListener re-LISTENs every known channel on a fresh connection; an existing one needs this.
        await c.query(`LISTEN ${quoteIdent(channel)}`);
      }
      return async () => {
        set.delete(onPayload);
        if (set.size > 0 || listeners.get(channel) !== set) return;
        listeners.delete(channel);
        if (listenClient) await listenClient.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      };
    },
    async notify(channel, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const c = listenClient;
      listenClient = undefined;
      // A held connection would keep pool.end() waiting for ever.
      for (const release of [...held]) release();
      await Promise.allSettled([c?.end(), pool.end()]);
    },
  };
  return Promise.resolve(store);
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E')))
    return true;
  const msg = err instanceof Error ? err.message : '';
  return /terminat|Connection|timeout/i.test(msg);
}
