import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { textOf, waitFor, writeConfig } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';

/**
 * Two `mcpgate serve` processes on one Postgres: a call held for approval (wait mode) on
 * gateway A is released by a reviewer deciding through gateway B's admin API
 * (decision → store → LISTEN/NOTIFY → A). Local auth mode on loopback: the reviewer is the OS user.
 */
const user = userInfo().username;

describe('approvals across two gateway processes', () => {
  let db: PgDatabase;
  let a: ServeProcess;
  let b: ServeProcess;
  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_approvals' });
    const yaml = (replica: string) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key, replicaId: ${replica} }
server: { port: 0 }
policy:
  default: allow
  localGroups: { ${JSON.stringify(user)}: [reviewers] }
  rules:
    - name: sums-need-approval
      match: { tools: [get-sum] }
      action: require_approval
      approval: { reviewers: [reviewers], approvals: 1, mode: wait, timeout: 2m, allowSelfApproval: true }
`;
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-appr-'));
    [a, b] = await Promise.all([
      startServe(writeConfig(yaml('gw-a'), join(dir))),
      startServe(writeConfig(yaml('gw-b'), mkdtempSync(join(tmpdir(), 'mcpgate-appr-b-')))),
    ]);
  });
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await db?.drop();
  });

  it('a call held on gateway A runs once a reviewer approves it through gateway B', async () => {
    const client = newClient('legacy');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`)));
    const progress: string[] = [];
    const held = client.callTool(
      { name: 'ev__get-sum', arguments: { a: 20, b: 22 } },
      { onprogress: (p) => void progress.push(String(p.message)), timeout: 120_000 },
    );
    // The pending approval is visible on B (it lives in the shared store).
    const pending = await waitFor(
      async () => {
        const r = await fetch(`${b.url}/admin/approvals?status=requested`);
        const body = (await r.json()) as { items?: Array<{ id: string; tool: string }> };
        return body.items?.find((i) => i.tool === 'get-sum');
      },
      30_000,
      'the approval request on gateway B',
    );
    const approve = await fetch(`${b.url}/admin/approvals/${pending.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'approved from the other replica' }),
    });
    expect(approve.status, await approve.clone().text()).toBe(200);
    const result = await held;
    expect(textOf(result)).toContain('42');
    expect(progress.some((m) => m.includes(pending.id))).toBe(true);
    const shown = (await (await fetch(`${a.url}/admin/approvals/${pending.id}`)).json()) as {
      approval: { status: string; used: number };
    };
    expect(shown.approval).toMatchObject({ status: 'executed', used: 1 });
    await client.close();
  });

  it('the admin API refuses what it does not know, with a clear error', async () => {
    const r = await fetch(`${b.url}/admin/approvals/A-ZZZZZZ/approve`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(404);
    expect(JSON.stringify(await r.json())).toMatch(/A-ZZZZZZ/);
  });
});
