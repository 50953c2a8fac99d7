import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PgDatabase {
  /** Connection URL of the fresh database (user postgres on 127.0.0.1:5432). */
  readonly url: string;
  readonly database: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a uniquely named database for one test file. Fails loudly — never skips — when
 * PostgreSQL is not reachable, because a silently skipped database test proves nothing.
 */
export async function pgSchema(prefix = 'mcpgate_test'): Promise<PgDatabase> {
  const database = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is required at 127.0.0.1:5432 for this test: ${(err as Error).message}. ` +
        'Start it (trust auth, user postgres) and run the tests again.',
      { cause: err },
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const url = `postgres://postgres@127.0.0.1:5432/${database}`;
  return {
    url,
    database,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
