import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { connectGateway, textOf, writeConfig, type Connected } from './support.js';

/**
 * The data path's guarantee, end to end through the built CLI on a real Postgres: the upstream
 * itself looks for the request record when the call reaches it, and every outcome — result,
 * refusal — is on the record with the session.
 */
const probe = join(import.meta.dirname, 'fixtures', 'audit-probe.mjs');

describe('stdio face with the audit trail on Postgres', () => {
  let db: PgDatabase;
  let gw: Connected;
  let sql: pg.Client;
  let configPath: string;
  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_audit' });
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-audit-e2e-'));
    configPath = writeConfig(
      `
# Local single-user tests: everything allowed (the policy default is deny).
policy: { default: allow }
upstreams:
  probe:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(probe)}]
    env: { AUDIT_PROBE_PG_URL: ${JSON.stringify(db.url)} }
# Only store.url differs from the embedded default: no other change is needed for Postgres.
store:
  url: ${JSON.stringify(db.url)}
`,
      dir,
    );
    gw = await connectGateway(configPath);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await gw?.close().catch(() => undefined);
    await sql?.end();
    await db?.drop();
  });

  it('commits the request record before the upstream executes the call', async () => {
    for (let i = 0; i < 5; i++) {
      const nonce = randomUUID();
      const res = await gw.client.callTool({ name: 'probe__execute', arguments: { nonce } });
      expect(JSON.parse(textOf(res))).toEqual({ recordedBefore: 1 });
    }
  });

  it('records the response, refusals and the session with its identity', async () => {
    const nonce = randomUUID();
    await gw.client.callTool({ name: 'probe__execute', arguments: { nonce } });
    await expect(gw.client.callTool({ name: 'probe__missing', arguments: {} })).rejects.toThrow(
      /unknown tool/,
    );
    await new Promise((r) => setTimeout(r, 300)); // response records are group-committed after the reply
    const rows = await sql.query<{
      type: string;
      outcome: string | null;
      subject: string | null;
      target: string | null;
    }>('SELECT type, outcome, subject, target FROM events ORDER BY ts, seq');
    const types = rows.rows.map((r) => r.type);
    expect(types).toContain('session.started');
    expect(types).toContain('call.response');
    expect(types).toContain('call.refused');
    const refused = rows.rows.find((r) => r.type === 'call.refused')!;
    expect(refused.target).toContain('probe__missing');
    expect(refused.subject).toMatch(/^local:/);
    const started = await sql.query<{ body: string }>(
      "SELECT body FROM events WHERE type = 'session.started'",
    );
    expect(started.rows[0]!.body).toContain('"name":"e2e-legacy"'); // the client's declared name
  });
});
