import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/chain/keys.js';
import { checkSchema, migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { SinkRunner } from '../src/sinks/runner.js';
import { openPostgres } from '../src/store/pg.js';
import { admin, PG_URL, pgSchema, type PgSchema } from './helpers.js';

/** The GRANT statements docs/audit.md gives the gateway role (between its CREATE ROLE and the auditor's). */
function gatewayGrants(): string[] {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'audit.md'), 'utf8');
  const block = doc.slice(doc.indexOf('CREATE ROLE mcpgate_gw'), doc.indexOf('CREATE ROLE mcpgate_auditor'));
  const statements = block
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join(' ')
    .split(';')
    .map((st) => st.trim().replace(/\s+/g, ' '))
    .filter((st) => st.startsWith('GRANT'));
  expect(statements.length).toBeGreaterThanOrEqual(5);
  return statements;
}

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
    // The GRANTs for mcpgate_gw, taken from docs/audit.md itself, so the doc is what is tested.
    for (const sql of gatewayGrants()) {
      await admin(
        sql
          .replaceAll('mcpgate_gw', role)
          .replaceAll('mcpgate.', `${x}.`)
          .replace('SCHEMA mcpgate ', `SCHEMA ${x} `),
      );
    }
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
      // SIEM streaming: lease, cursor and delivery under the gateway role.
      const delivered: string[] = [];
      const runner = new SinkRunner(
        store,
        [{ name: 'siem', send: (recs) => (delivered.push(...recs.map((x) => x.id)), Promise.resolve()) }],
        { owner: rec.chainId },
      );
      await runner.close();
      expect(delivered.length).toBeGreaterThan(1);
      await expect(store.query(`UPDATE events SET body = '{}'`)).rejects.toThrow(/permission denied/);
      await expect(store.query(`DELETE FROM events`)).rejects.toThrow(/permission denied/);
      await expect(store.query(`ALTER TABLE events DISABLE TRIGGER USER`)).rejects.toThrow(/must be owner/);
      await expect(migrate(store)).rejects.toThrow();
      // The other concerns' state: what the gateway needs, and no more.
      await store.query(`INSERT INTO mcpgate_rate_counters SELECT * FROM mcpgate_rate_counters WHERE false`);
      await store.query(`UPDATE mcpgate_grants SET status = status WHERE false`);
      await store.query(`UPDATE mcpgate_approvals SET status = status WHERE false`);
      await store.query(`SELECT * FROM mcpgate_api_keys WHERE false`);
      await store.query(`UPDATE mcpgate_api_keys SET last_used_at = now() WHERE false`);
      await expect(store.query(`UPDATE mcpgate_api_keys SET revoked_at = now() WHERE false`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(store.query(`DELETE FROM mcpgate_approval_decisions WHERE false`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await store.close();
    }
  });
});
