import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/chain/keys.js';
import { checkSchema, migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { openPostgres } from '../src/store/pg.js';
import { admin, PG_URL, pgSchema, type PgSchema } from './helpers.js';

/** The gateway role exactly as docs/audit.md grants it. */
const role = `mcpgate_gw_${randomBytes(4).toString('hex')}`;

describe('least-privilege gateway role (docs/audit.md GRANTs, Postgres)', () => {
  let s: PgSchema;
  beforeAll(async () => {
    s = await pgSchema('grants');
    const owner = await s.open();
    await migrate(owner);
    await owner.close();
    const x = s.schema;
    await admin(`CREATE ROLE ${role} LOGIN`);
    await admin(`GRANT USAGE ON SCHEMA ${x} TO ${role}`);
    await admin(`GRANT SELECT, INSERT ON ${x}.events, ${x}.checkpoints, ${x}.audit_writers TO ${role}`);
    await admin(
      `GRANT SELECT ON ${x}.audit_purges, ${x}.sessions, ${x}.calls, ${x}.schema_migrations TO ${role}`,
    );
  });
  afterAll(async () => {
    await s?.drop();
    await admin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('can check the schema, write, checkpoint and read — and cannot update or delete', async () => {
    const url = PG_URL.replace('postgres://postgres@', `postgres://${role}@`);
    const store = await openPostgres({ url, schema: s.schema });
    try {
      await expect(checkSchema(store)).resolves.toBeDefined();
      const rec = await AuditRecorder.start(store, { replicaId: 'gw', signingKey: generateSigningKey().key });
      await rec.append({ type: 'test.event', body: { ok: true } });
      await rec.close();
      const r = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM checkpoints WHERE final`);
      expect(r.rows[0]!.n).toBe(1);
      await expect(store.query(`UPDATE events SET body = '{}'`)).rejects.toThrow(/permission denied/);
      await expect(store.query(`DELETE FROM events`)).rejects.toThrow(/permission denied/);
      await expect(store.query(`ALTER TABLE events DISABLE TRIGGER USER`)).rejects.toThrow(/must be owner/);
      await expect(migrate(store)).rejects.toThrow();
    } finally {
      await store.close();
    }
  });
});
