import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PgDatabase {
  /** Connection URL of the fresh database (user postgres on 127.0.0.1:5432). */
  readonly url: string;
  readonly database: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

export interface PgSchemaOptions {
  /** Database name prefix (a timestamp and random suffix follow). */
  readonly prefix?: string;
  /** Maintenance database to connect to; default `postgres://postgres@127.0.0.1:5432/postgres`. */
  readonly adminUrl?: string;
}

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a uniquely named database for one test file (`pgSchema('prefix')` is short for
 * `pgSchema({ prefix: 'prefix' })`). Fails loudly — never skips — when
 * PostgreSQL is not reachable, because a silently skipped database test proves nothing.
 */
export async function pgSchema(options: PgSchemaOptions | string = {}): Promise<PgDatabase> {
  const opts: PgSchemaOptions = typeof options === 'string' ? { prefix: options } : options;
  const adminUrl = opts.adminUrl ?? ADMIN_URL;
  const where = new URL(adminUrl);
  const database = `${opts.prefix ?? 'mcpgate_test'}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is required at ${where.hostname}:${where.port || '5432'} for this test: ${describe(err)}. ` +
        `Start it (trust auth, user ${where.username || 'postgres'}) and run the tests again.`,
      { cause: err },
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    database,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

function describe(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(describe).join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
