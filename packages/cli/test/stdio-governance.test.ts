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
    gw = await connectGateway(config);
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
      const leaked = await sql.query(
        "SELECT type FROM events WHERE type = 'call.response' AND strpos(body, $1) > 0",
        [planted],
      );
      expect(leaked.rowCount).toBe(0);
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
