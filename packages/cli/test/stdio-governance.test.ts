import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { everythingBin, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLI, connectGateway, textOf, writeConfig, type Connected } from './support.js';

/**
 * The whole chain wired in the real binary: policy (deny, hidden, argument rules), approvals
 * (defer, approved from the CLI by a reviewer), masking (at the client and in the record).
 */
const user = userInfo().username;
const planted = 'jane.doe.e2e@example.com';

describe('mcpgate stdio with policy, approvals and masking', () => {
  let db: PgDatabase;
  let gw: Connected;
  let config: string;
  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_gov' });
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-gov-'));
    config = writeConfig(
      `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key }
masking: { arguments: true }
policy:
  default: allow
  localGroups: { ${JSON.stringify(user)}: [reviewers] }
  rules:
    - name: never-env
      match: { tools: [get-env] }
      action: deny
    - name: no-shouting
      match:
        tools: [echo]
        arguments: { properties: { message: { pattern: "^[A-Z !]+$" } }, required: [message] }
      action: deny
      message: Please do not shout.
    - name: sums-need-approval
      match: { tools: [get-sum] }
      action: require_approval
      approval: { reviewers: [reviewers], approvals: 1, mode: defer, allowSelfApproval: true }
`,
      dir,
    );
    gw = await connectGateway(config, {
      capabilities: { elicitation: {} },
      setup: (c) =>
        c.setRequestHandler(
          'elicitation/create',
          () => ({ action: 'accept', content: { color: 'vermilion-9' } }) as never,
        ),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  it('hides a tool no rule lets the caller use, and refuses it like a missing one', async () => {
    const names = (await gw.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('ev__echo');
    expect(names).not.toContain('ev__get-env');
    const hidden = gw.client.request({
      method: 'tools/call',
      params: { name: 'ev__get-env', arguments: {} },
    });
    const missing = gw.client.request({
      method: 'tools/call',
      params: { name: 'ev__no-such-tool', arguments: {} },
    });
    const [h, m] = await Promise.allSettled([hidden, missing]);
    expect(h.status).toBe('rejected');
    expect(m.status).toBe('rejected');
    const strip = (r: PromiseSettledResult<unknown>) =>
      String((r as PromiseRejectedResult).reason)
        .replace(/ev__[a-z-]+/, 'X')
        .replace(/c_[0-9A-Z]+/, 'C');
    expect(strip(h)).toBe(strip(m));
  });

  it('refuses a visible tool for its arguments, naming the rule and the reason', async () => {
    await expect(gw.client.callTool({ name: 'ev__echo', arguments: { message: 'HELLO!' } })).rejects.toThrow(
      /Please do not shout/,
    );
    expect(textOf(await gw.client.callTool({ name: 'ev__echo', arguments: { message: 'hello' } }))).toBe(
      'Echo: hello',
    );
  });

  it('masks personal data at the client and keeps the raw value out of the database', async () => {
    const res = await gw.client.callTool({ name: 'ev__echo', arguments: { message: `write to ${planted}` } });
    expect(textOf(res)).not.toContain(planted);
    expect(textOf(res)).toContain('[REDACTED:email]');
    await new Promise((r) => setTimeout(r, 500));
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const masked = await sql.query(
        "SELECT body FROM events WHERE type = 'call.response' AND strpos(body, 'REDACTED:email') > 0",
      );
      expect(masked.rowCount).toBeGreaterThan(0);
      expect(masked.rows[0].body).toContain('"detector":"email"');
      // The planted value was in the arguments too (masking.arguments: the record gets a masked
      // copy; the upstream got the original). Search every table of the database for it.
      const tables = await sql.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      expect(tables.rowCount).toBeGreaterThan(3);
      for (const { table_name } of tables.rows) {
        const hit = await sql.query(`SELECT 1 FROM "${table_name}" t WHERE strpos(t::text, $1) > 0 LIMIT 1`, [
          planted,
        ]);
        expect(hit.rowCount, `raw value found in table ${table_name}`).toBe(0);
      }
    } finally {
      await sql.end();
    }
  });

  it('records progress and server→client requests with their payloads, linked to their call', async () => {
    await gw.client.callTool(
      { name: 'ev__trigger-long-running-operation', arguments: { duration: 0.3, steps: 2 } },
      { onprogress: () => undefined },
    );
    await gw.client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
    await new Promise((r) => setTimeout(r, 500));
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const rows = await sql.query<{
        type: string;
        method: string;
        correlation_id: string | null;
        body: string;
      }>(
        "SELECT type, method, correlation_id, body FROM events WHERE type IN ('notification', 'server.request')",
      );
      const progress = rows.rows.filter((r) => r.method === 'notifications/progress');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress.every((r) => r.correlation_id?.startsWith('c_'))).toBe(true);
      const elicit = rows.rows.filter(
        (r) => r.type === 'server.request' && r.method === 'elicitation/create',
      );
      // The upstream's request and the client's answer, each on the record with its payload
      // (masked where a detector fires), linked to the call that caused them.
      expect(elicit.map((r) => (JSON.parse(r.body) as { direction: string }).direction)).toEqual([
        'from_upstream',
        'from_client',
      ]);
      expect(elicit.every((r) => r.correlation_id?.startsWith('c_'))).toBe(true);
      expect(elicit[1]?.body).toContain('answered:accept');
      expect(elicit[1]?.body).toContain('vermilion-9');
    } finally {
      await sql.end();
    }
  });

  it('defers a call for approval; once a reviewer approves on the CLI, the identical call runs once', async () => {
    const first = await gw.client.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 3 } });
    expect(first.isError).toBe(true);
    const id = /A-[0-9A-Z]{6}/.exec(textOf(first))?.[0];
    expect(id, textOf(first)).toBeDefined();
    const approve = spawnSync(
      process.execPath,
      [CLI, 'approvals', 'approve', id!, '--config', config, '--reason', 'looks fine'],
      {
        encoding: 'utf8',
      },
    );
    expect(approve.status, approve.stderr).toBe(0);
    const second = await gw.client.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 3 } });
    expect(second.isError).not.toBe(true);
    expect(textOf(second)).toContain('5');
    // Different arguments need their own approval.
    const other = await gw.client.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 4 } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).not.toContain(id!);
  });
});
