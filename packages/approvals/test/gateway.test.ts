import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_NAMING,
  Gateway,
  silentLogger,
  type CallIO,
  type GatewaySession,
  type Identity,
  type JsonObject,
  type ProgressUpdate,
} from '@mcpgate/core';
import { createAuditSteps } from '@mcpgate/audit';
import { buildPolicyEngine, createAuthorizeSteps } from '@mcpgate/policy';
import { everythingBin } from '@mcpgate/testkit';
import { createUpstreamPool } from '@mcpgate/upstream';
import { eventually, person, pgliteStores, replica, type Replica, type Stores } from './helpers.js';

const POLICY = {
  default: 'allow',
  rules: [
    {
      name: 'echo-needs-sre',
      match: { upstreams: ['everything'], tools: ['echo'] },
      action: 'require_approval',
      approval: { reviewers: ['sre'], mode: 'wait', timeout: '2m' },
    },
    {
      name: 'sums-deferred',
      match: { upstreams: ['everything'], tools: ['get-sum'] },
      action: 'require_approval',
      approval: { reviewers: ['sre'], mode: 'defer', timeout: '2m' },
    },
  ],
};

function io(progress: ProgressUpdate[]): CallIO {
  return {
    clientCapabilities: {},
    progress: (u) => {
      progress.push(u);
      return Promise.resolve();
    },
    request: () => Promise.reject(new Error('not in this test')),
  };
}

/**
 * The wiring the CLI's composition root will do, over a real upstream (server-everything) and the
 * real audit steps: outer audit ▸ route ▸ the authorize steps (approval through the gate) ▸ audit-ahead.
 */
describe('approvals in a real gateway chain', () => {
  let stores: Stores;
  let r: Replica;
  let gateway: Gateway;
  let session: GatewaySession;
  const alice: Identity = person('oidc:alice', ['eng'], 'Alice');
  const sam = person('oidc:sam', ['sre']);

  beforeAll(async () => {
    stores = await pgliteStores();
    r = await replica(stores.a, 'gw-e2e');
    const built = buildPolicyEngine(POLICY);
    if (!built.ok) throw new Error(built.errors.join('\n'));
    const audit = createAuditSteps(r.recorder);
    const pool = createUpstreamPool({
      specs: [
        {
          name: 'everything',
          prefix: 'everything',
          transport: 'stdio',
          command: process.execPath,
          args: [everythingBin(), 'stdio'],
          env: {},
          headers: {},
          sharing: 'shared',
          era: 'auto',
          requestTimeoutMs: 20_000,
          startTimeoutMs: 20_000,
          restart: { maxRestarts: 1, initialDelayMs: 100, maxDelayMs: 1000 },
          maxMessageBytes: 4 * 1024 * 1024,
        },
      ],
      logger: silentLogger,
    });
    gateway = new Gateway({
      pool,
      steps: {
        outer: [audit.outer],
        inner: [...createAuthorizeSteps(built.engine, { approvals: r.gate }), audit.inner],
      },
      naming: DEFAULT_NAMING,
      logger: silentLogger,
    });
    await gateway.start();
    session = gateway.openSession(
      { id: 'sess-alice', face: 'stdio', era: 'legacy', identity: alice, startedAt: new Date() },
      {
        notify: () => Promise.resolve(),
      },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await r?.close();
    await stores?.close();
  });

  it('wait: holds the call, runs it on the real upstream once approved, and links the records', async () => {
    const progress: ProgressUpdate[] = [];
    const call = session.handle(
      'tools/call',
      { name: 'everything__echo', arguments: { message: 'ship it' }, _meta: { progressToken: 1 } },
      io(progress),
      new AbortController().signal,
    );
    const id = await eventually(
      async () => (await r.service.list({ statuses: ['requested'], tool: 'echo' })).items[0]?.id,
    );
    await eventually(() => Promise.resolve(progress.length > 0 ? true : undefined));
    await r.service.approve(sam, id, { channel: 'admin-api' });
    const result: JsonObject = await call;
    expect(JSON.stringify(result.content)).toContain('ship it');
    expect(progress[0]!.message).toBe(`waiting for approval ${id}: 0 of 1`);

    await r.recorder.flush();
    const rows = await stores.a.query<{ type: string; body: string }>(
      `SELECT type, body FROM events WHERE session_id = 'sess-alice' ORDER BY seq`,
    );
    const types = rows.rows.map((e) => e.type);
    // The approval's life sits in the session timeline before the durable request record.
    expect(types.slice(0, 4)).toEqual([
      'approval.requested',
      'approval.decision',
      'approval.executed',
      'call.request',
    ]);
    expect(types).toContain('call.response');
    const request = JSON.parse(rows.rows[3]!.body) as { approvalId: string; decision: { rule: string } };
    expect(request.approvalId).toBe(id);
    expect(request.decision.rule).toBe('echo-needs-sre');
  });

  it('defer: a tool error result with the id, then the identical retry runs on the upstream', async () => {
    const args = { a: 2, b: 40 };
    const first: JsonObject = await session.handle(
      'tools/call',
      { name: 'everything__get-sum', arguments: args },
      io([]),
      new AbortController().signal,
    );
    expect(first.isError).toBe(true);
    const text = (first.content as { text: string }[])[0]!.text;
    const id = /A-[0-9A-Z]{6}/.exec(text)![0];
    expect(text).toContain(`mcpgate approvals show ${id}`);

    await r.service.approve(sam, id, { channel: 'cli-remote' });
    const retry: JsonObject = await session.handle(
      'tools/call',
      { name: 'everything__get-sum', arguments: { b: 40, a: 2 } },
      io([]),
      new AbortController().signal,
    );
    expect(retry.isError).toBeFalsy();
    expect(JSON.stringify(retry.content)).toContain('42');
    expect((await r.service.get(id))!.status).toBe('executed');
  });
});
