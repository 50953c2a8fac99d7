import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema, loadMigrations, migrate, MIGRATIONS_DIR } from '../src/migrate.js';
import type { Store } from '../src/store/types.js';
import { generateSigningKey } from '../src/chain/keys.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { admin, backends, pgSchema, type Backend } from './helpers.js';

for (const make of backends('store')) {
  describe('store', () => {
    let b: Backend;
    let store: Store;
    beforeAll(async () => {
      b = await make();
      store = await b.open();
      await migrate(store);
    });
    afterAll(async () => {
      await store?.close();
      await b?.cleanup();
    });

    it('runs queries with parameters and returns int8 as numbers', async () => {
      const r = await store.query<{ n: number; s: string }>('SELECT $1::bigint + 1 AS n, $2::text AS s', [
        41,
        'x',
      ]);
      expect(r.rows).toEqual([{ n: 42, s: 'x' }]);
    });

    it('rolls a transaction back when fn throws, commits otherwise', async () => {
      await store.query('CREATE TABLE tx_probe (v integer)');
      await expect(
        store.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_probe VALUES (1)');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await store.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (2)');
      });
      const r = await store.query<{ v: number }>('SELECT v FROM tx_probe');
      expect(r.rows).toEqual([{ v: 2 }]);
    });

    it('delivers notifications to listeners until unsubscribed', async () => {
      const got: string[] = [];
      const off = await store.listen('mcpgate_probe', (p) => got.push(p));
      await store.notify('mcpgate_probe', 'one');
      await expect.poll(() => got).toEqual(['one']);
      await off();
      await store.notify('mcpgate_probe', 'two');
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(['one']);
    });

    it('is idempotent: a second migrate applies nothing and checkSchema passes', async () => {
      const again = await migrate(store);
      expect(again.applied).toEqual([]);
      expect(again.current).toBe(loadMigrations().at(-1)!.version);
      await expect(checkSchema(store)).resolves.toMatchObject({ current: again.current });
    });

    it('refuses UPDATE, DELETE and TRUNCATE on audit tables', async () => {
      await store.query(
        `INSERT INTO events (chain_id, seq, ts, type, body, prev_hash, hash) VALUES ('probe', 1, now(), 'x', '{}', '', '')`,
      );
      await expect(
        store.query(`UPDATE events SET body = '{"a":1}' WHERE chain_id = 'probe'`),
      ).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(store.query(`DELETE FROM events WHERE chain_id = 'probe'`)).rejects.toThrow(
        /append-only: DELETE refused/,
      );
      await expect(store.query('TRUNCATE events')).rejects.toThrow(/append-only: TRUNCATE refused/);
      await expect(store.query(`DELETE FROM checkpoints`)).resolves.toBeDefined(); // no rows → trigger never fires
      const r = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE chain_id = 'probe'`,
      );
      expect(r.rows[0]!.n).toBe(1);
    });

    it('refuses to start on a database with a newer migration than this build knows', async () => {
      await store.query(
        `INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_from_the_future', 'x')`,
      );
      await expect(migrate(store)).rejects.toThrow(
        /has schema migration 9999_from_the_future .* refusing to start/,
      );
      await expect(checkSchema(store)).rejects.toThrow(/refusing to start/);
      await b.superuser(store, `DELETE FROM schema_migrations WHERE version = 9999`);
    });
  });
}

describe('LISTEN on Postgres', () => {
  it('re-establishes the dedicated LISTEN connection after it is killed', async () => {
    const s = await pgSchema('listen');
    const app = `mcpgate-listen-${s.schema}`;
    const st = await s.open({ applicationName: app });
    try {
      const got: string[] = [];
      await st.listen('mcpgate_probe', (p) => got.push(p));
      await st.notify('mcpgate_probe', 'before');
      await expect.poll(() => got).toEqual(['before']);
      const killed = await admin<{ pg_terminate_backend: boolean }>(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`,
        [app],
      );
      expect(killed.length).toBe(1);
      // Notify until the reconnected listener hears one (reconnect backs off from 1 s).
      await expect
        .poll(
          async () => {
            await st.notify('mcpgate_probe', 'after');
            return got.includes('after');
          },
          { timeout: 15_000, interval: 300 },
        )
        .toBe(true);
    } finally {
      await st.close();
      await s.drop();
    }
  });
});

describe('a held connection on Postgres', () => {
  it('runs every statement on one backend, replaces it when it dies, and never keeps close() waiting', async () => {
    const s = await pgSchema('held');
    const st = await s.open({ poolSize: 2 });
    try {
      const held = st.holdConnection?.();
      expect(held).toBeDefined();
      const pid = async () =>
        (await held!.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const first = await pid();
      expect(await pid()).toBe(first);
      // The pool's other connection still serves everyone else.
      expect((await st.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).not.toBe(
        first,
      );
      await admin('SELECT pg_terminate_backend($1)', [first]);
      // The statement in flight on the dead connection fails; the next one gets a fresh backend.
      await expect
        .poll(async () => pid().catch(() => first), { timeout: 10_000, interval: 100 })
        .not.toBe(first);
    } finally {
      // Still held here: close() releases it instead of waiting for it.
      await st.close();
      await s.drop();
    }
  });

  it('is not offered when the pool cannot spare a connection', async () => {
    const s = await pgSchema('held1');
    const st = await s.open({ poolSize: 1 });
    try {
      expect(st.holdConnection?.()).toBeUndefined();
    } finally {
      await st.close();
      await s.drop();
    }
  });
});

describe('audit appends on Postgres', () => {
  it('run as named statements, prepared once per connection, and land in the chain', async () => {
    const s = await pgSchema('prepared');
    // One connection: pg_prepared_statements is per session.
    const st = await s.open({ poolSize: 1 });
    try {
      await migrate(st);
      const rec = await AuditRecorder.start(st, {
        replicaId: 'prep',
        signingKey: generateSigningKey().key,
        recover: false,
        lingerMs: 0,
      });
      await rec.recordRead({ subject: 'a' }, 'probe', {});
      // More than the VALUES form takes at once: the JSON form, its own statement.
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => rec.recordRead({ subject: `b${i}` }, 'probe', {})),
      );
      await rec.close();
      const names = (
        await st.query<{ name: string }>(
          "SELECT name FROM pg_prepared_statements WHERE name LIKE 'mcpgate_events_%' ORDER BY name",
        )
      ).rows.map((r) => r.name);
      expect(names).toContain('mcpgate_events_1');
      expect(names).toContain('mcpgate_events_json');
      const n = await st.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM events WHERE type = 'audit.read'",
      );
      expect(n.rows[0]!.n).toBe(101);
    } finally {
      await st.close();
      await s.drop();
    }
  });
});

describe('migrate on Postgres', () => {
  it('applies each migration exactly once when several processes migrate at the same time', async () => {
    const s = await pgSchema('migrate');
    const stores = await Promise.all([1, 2, 3, 4].map(() => s.open({ poolSize: 2 })));
    try {
      const reports = await Promise.all(stores.map((st) => migrate(st)));
      const all = reports.flatMap((r) => r.applied);
      const expected = loadMigrations().map((m) => m.version);
      expect(all.sort((a, b) => a - b)).toEqual(expected);
      expect(reports.filter((r) => r.applied.length > 0)).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((st) => st.close()));
      await s.drop();
    }
  });

  it('applies every NNNN_*.sql in the directory in order, not only the audit range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-mig-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '0099_probe.sql'), 'CREATE TABLE probe_after (id integer);');
    writeFileSync(
      join(dir, '0098_probe.sql'),
      'CREATE TABLE probe_first (id integer);\nCREATE TABLE probe_second (id integer);',
    );
    writeFileSync(join(dir, 'README.md'), 'not a migration');
    const s = await pgSchema('migdir');
    const st = await s.open();
    try {
      const r = await migrate(st, { dir });
      expect(r.applied.slice(-2)).toEqual([98, 99]);
      const t = await st.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'probe_%'`,
        [s.schema],
      );
      expect(t.rows[0]!.n).toBe(3);
      // This build (without 0031) now refuses the database.
      await expect(migrate(st)).rejects.toThrow(/0099_probe/);
    } finally {
      await st.close();
      await s.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
