/**
 * The SQL surface every persistence-using package programs against. The audit package implements
 * it twice — `pg` (pool) and embedded PGlite — over the same schema, so SQL written here must run
 * on PostgreSQL 15+ and on PGlite alike.
 */
export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface SqlQueryOptions {
  /**
   * A statement run on every call (the audit INSERT): Postgres keeps it parsed and planned per
   * connection under this name, which must always go with the same text. Stores that cannot
   * prepare ignore it.
   */
  readonly prepare?: string;
}

export interface SqlQueryable {
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    opts?: SqlQueryOptions,
  ): Promise<SqlResult<R>>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs fn in one transaction (BEGIN … COMMIT, ROLLBACK on throw) on one connection. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** LISTEN on a channel (Postgres) or an in-process bus (PGlite). Returns an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /** `postgres` for a server over `pg`, `pglite` for the embedded store. */
  readonly kind: 'postgres' | 'pglite';
}
