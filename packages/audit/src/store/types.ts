import type { SqlClient, SqlQueryable } from '@mcpgate/core';

/** A queryable that can also run a multi-statement script (migrations). */
export interface ScriptQueryable extends SqlQueryable {
  exec(script: string): Promise<void>;
}

/**
 * A `SqlClient` the audit package owns: it can also run scripts inside a transaction and be
 * closed. Everything outside this package should only see the `SqlClient` part.
 */
export interface Store extends SqlClient {
  /** Like `transaction`, but the handle can run multi-statement scripts (used by migrations). */
  scriptTransaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T>;
  /** Human-readable target for logs and errors: `postgres://host:port/db` (no password) or the PGlite dir. */
  readonly description: string;
  /**
   * A connection held for one sequential user — the audit appender, which has one batch in flight
   * at a time — so each of its statements skips the pool's checkout. Absent when the store has no
   * pool or too small a one to spare a connection; `close()` of the store releases it.
   */
  holdConnection?(): HeldConnection | undefined;
  close(): Promise<void>;
}

/** See `Store.holdConnection`. Reconnects by itself after a connection error. */
export interface HeldConnection extends SqlQueryable {
  /** Gives the connection back to the pool (idempotent). */
  release(): void;
}
