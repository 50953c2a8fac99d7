import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatewayError, type Outcome } from '@mcpgate/core';
import { problemOf } from '../src/errors.js';
import {
  approvalEvents,
  chainOf,
  eventually,
  person,
  pgliteStores,
  postgresStores,
  replica,
  run,
  toolCall,
  upstreamTool,
  type Replica,
  type Stores,
} from './helpers.js';

const alice = person('oidc:alice', ['eng'], 'Alice');
const sam = person('oidc:sam', ['sre', 'leads'], 'Sam');
const lee = person('oidc:lee', ['leads']);
const fin = person('oidc:fin', ['finance']);
const sue = person('oidc:sue', ['sre', 'eng']);

function errorOf(o: Outcome) {
  if (o.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(o.result)}`);
  return o.error;
}

async function pendingId(r: Replica, requester: string, tool: string): Promise<string> {
  return eventually(async () => {
    const page = await r.service.list({ requester, tool, statuses: ['requested'] });
    return page.items[0]?.id;
  });
}

async function rejection(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (isGatewayError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe.each([
  ['pglite', () => pgliteStores()],
  ['postgres', () => postgresStores('mcpgate_approvals_gate')],
] as const)('approvals on %s', (_kind, open) => {
  let stores: Stores;
  let one: Replica;
  let two: Replica;

  beforeAll(async () => {
    stores = await open();
    one = await replica(stores.a, 'gw-one');
    two = await replica(stores.b, 'gw-two');
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await stores?.close();
  });

  it('wait: a call held on one replica runs once a reviewer approves through the other', async () => {
    const tool = upstreamTool();
    const call = toolCall(alice, 'ops', 'deploy', { service: 'api', version: '1.2.3' });
    const held = run(chainOf(one.gate), call, tool.forward);
    const id = await pendingId(two, alice.subject, 'deploy');
    await eventually(() => Promise.resolve(call.progress.length > 0 ? true : undefined));
    expect(tool.runs).toEqual([]);

    const approved = await two.service.approve(sam, id, { reason: 'release window', channel: 'cli-remote' });
    expect(approved.status).toBe('approved');
    const outcome = await held;
    expect(outcome.kind).toBe('result');
    expect(tool.runs).toEqual([{ service: 'api', version: '1.2.3' }]);
    expect(call.ctx.notes.approvalId).toBe(id);

    expect(call.progress[0]!.message).toBe(`waiting for approval ${id}: 0 of 1`);
    expect(call.progress[0]!.total).toBe(1);
    const values = call.progress.map((p) => p.progress);
    expect([...values].sort((x, y) => x - y)).toEqual(values);

    expect((await two.service.get(id))!.status).toBe('executed');
    await one.recorder.flush();
    await two.recorder.flush();
    const events = await approvalEvents(stores.a, id);
    expect(events.map((e) => e.type)).toEqual([
      'approval.requested',
      'approval.decision',
      'approval.executed',
    ]);
    const decision = events[1]!;
    expect(decision.subject).toBe(sam.subject);
    expect(decision.body).toMatchObject({
      decision: 'approve',
      reason: 'release window',
      channel: 'cli-remote',
    });
    expect(decision.session_id).toBe(call.ctx.session.id);
  });

  it('wait: N distinct approvers — the same person twice counts once', async () => {
    const tool = upstreamTool();
    const call = toolCall(alice, 'ops', 'drop_table', { table: 'sessions' });
    const held = run(chainOf(one.gate), call, tool.forward);
    const id = await pendingId(one, alice.subject, 'drop_table');

    const first = await two.service.approve(sam, id, { channel: 'admin-api' });
    expect(first.status).toBe('requested');
    const again = await rejection(two.service.approve(sam, id, { channel: 'admin-api' }));
    expect(problemOf(again)).toBe('duplicate');
    expect(again.message).toContain('2 distinct approvers (1 so far)');
    await eventually(() =>
      Promise.resolve(call.progress.some((p) => p.message?.endsWith('1 of 2')) ? true : undefined),
    );
    expect(tool.runs).toEqual([]);

    const second = await one.service.approve(lee, id, { channel: 'cli-local' });
    expect(second.status).toBe('approved');
    expect((await held).kind).toBe('result');
    expect(tool.runs).toHaveLength(1);
  });

  it('refuses self-approval unless the rule allows it, and refuses non-reviewers', async () => {
    const tool = upstreamTool();
    const call = toolCall(sue, 'ops', 'deploy', { service: 'web' });
    const held = run(chainOf(one.gate), call, tool.forward);
    const id = await pendingId(one, sue.subject, 'deploy');
    const self = await rejection(two.service.approve(sue, id, { channel: 'cli-local' }));
    expect(problemOf(self)).toBe('self_approval');
    expect(self.code).toBe('forbidden');
    const outsider = await rejection(two.service.approve(fin, id, { channel: 'admin-api' }));
    expect(problemOf(outsider)).toBe('not_reviewer');
    expect(outsider.message).toContain('sre, leads');
    await two.service.deny(sam, id, { reason: 'not during the freeze', channel: 'admin-api' });
    const denied = errorOf(await held);
    expect(denied.code).toBe('approval_denied');
    expect(denied.message).toContain('not during the freeze');
    expect(denied.message).toContain(sam.subject);
    expect(tool.runs).toEqual([]);

    const decided = await rejection(two.service.approve(lee, id, { channel: 'admin-api' }));
    expect(problemOf(decided)).toBe('closed');
    expect(decided.message).toContain('already denied');

    // restart allows self-approval: the requester may approve their own.
    const own = toolCall(sue, 'ops', 'restart', { host: 'db-1' });
    const ownHeld = run(chainOf(one.gate), own, tool.forward);
    const ownId = await pendingId(one, sue.subject, 'restart');
    await two.service.approve(sue, ownId, { channel: 'cli-local' });
    expect((await ownHeld).kind).toBe('result');
    expect(tool.runs).toEqual([{ host: 'db-1' }]);
  });

  it('defer: answers at once with the id; the identical call runs once after approval; other arguments do not', async () => {
    const tool = upstreamTool();
    const args = { order: 'o-991', amount: 120 };
    const first = await run(chainOf(one.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
    expect(first.kind).toBe('result');
    const result = first.kind === 'result' ? first.result : {};
    expect(result.isError).toBe(true);
    const text = (result.content as { text: string }[])[0]!.text;
    const id = /A-[0-9A-Z]{6}/.exec(text)![0];
    expect(text).toContain(`mcpgate approvals show ${id}`);
    expect(tool.runs).toEqual([]);

    // Retried before a decision: same approval, still not run (key order does not matter).
    const early = await run(
      chainOf(two.gate),
      toolCall(alice, 'ops', 'refund', { amount: 120, order: 'o-991' }),
      tool.forward,
    );
    expect(early.kind === 'result' && JSON.stringify(early.result)).toContain(id);
    expect(tool.runs).toEqual([]);

    await two.service.approve(fin, id, { reason: 'customer complaint', channel: 'webhook' });

    // Different arguments need their own approval.
    const other = await run(
      chainOf(one.gate),
      toolCall(alice, 'ops', 'refund', { order: 'o-991', amount: 1200 }),
      tool.forward,
    );
    expect(other.kind === 'result' && other.result.isError).toBe(true);
    expect(JSON.stringify(other)).not.toContain(id);
    // Another identity making the identical call gets nothing from alice's approval.
    const stranger = await run(chainOf(one.gate), toolCall(sue, 'ops', 'refund', args), tool.forward);
    expect(stranger.kind === 'result' && stranger.result.isError).toBe(true);
    expect(tool.runs).toEqual([]);

    const retry = await run(chainOf(one.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
    expect(retry.kind === 'result' && retry.result.isError).toBeFalsy();
    expect(tool.runs).toEqual([args]);
    expect((await one.service.get(id))!.status).toBe('executed');

    // Used once: the next identical call asks again.
    const third = await run(chainOf(one.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
    expect(third.kind === 'result' && third.result.isError).toBe(true);
    expect(JSON.stringify(third)).not.toContain(id);
    expect(tool.runs).toHaveLength(1);
  });

  it('timeout: an undecided request expires and the held call is refused', async () => {
    const tool = upstreamTool();
    const call = toolCall(alice, 'ops', 'flaky', { n: 1 });
    const outcome = await run(chainOf(one.gate), call, tool.forward);
    const err = errorOf(outcome);
    expect(err.code).toBe('approval_denied');
    expect(err.message).toMatch(/expired: not decided within/);
    expect(tool.runs).toEqual([]);
    const id = call.ctx.notes.approvalId!;
    expect((await one.service.get(id))!.status).toBe('expired');
    const late = await rejection(two.service.approve(sam, id, { channel: 'admin-api' }));
    expect(problemOf(late)).toBe('expired');
    await one.recorder.flush();
    expect((await approvalEvents(stores.a, id)).map((e) => e.type)).toEqual([
      'approval.requested',
      'approval.expired',
    ]);
  });

  it('the client disconnecting while waiting cancels the approval, on the record', async () => {
    const tool = upstreamTool();
    const ac = new AbortController();
    const call = toolCall(alice, 'ops', 'deploy', { service: 'billing' }, ac.signal);
    const held = run(chainOf(one.gate), call, tool.forward);
    const id = await pendingId(two, alice.subject, 'deploy');
    ac.abort();
    expect(errorOf(await held).code).toBe('cancelled');
    const a = await two.service.get(id);
    expect(a!.status).toBe('cancelled');
    expect(a!.closedReason).toContain('disconnected');
    const late = await rejection(two.service.approve(sam, id, { channel: 'admin-api' }));
    expect(problemOf(late)).toBe('closed');
    await one.recorder.flush();
    const events = await approvalEvents(stores.a, id);
    expect(events.map((e) => e.type)).toEqual(['approval.requested', 'approval.cancelled']);
    expect(events[1]!.subject).toBe(alice.subject);
    expect(tool.runs).toEqual([]);
  });

  it('a pending defer approval survives a gateway restart and its retry still works', async () => {
    const tool = upstreamTool();
    const args = { order: 'o-7', amount: 5 };
    const gone = await replica(stores.a, 'gw-gone');
    const first = await run(chainOf(gone.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
    const id = /A-[0-9A-Z]{6}/.exec(JSON.stringify(first))![0];
    await gone.close();

    await two.service.approve(fin, id, { channel: 'admin-api' });
    const reborn = await replica(stores.a, 'gw-gone');
    try {
      const retry = await run(chainOf(reborn.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
      expect(retry.kind === 'result' && retry.result.isError).toBeFalsy();
      expect(tool.runs).toEqual([args]);
    } finally {
      await reborn.close();
    }
  });

  it('two identical retries racing on two replicas use a single-use approval once', async () => {
    const tool = upstreamTool();
    const args = { order: 'o-race', amount: 1 };
    const first = await run(chainOf(one.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
    const id = /A-[0-9A-Z]{6}/.exec(JSON.stringify(first))![0];
    await two.service.approve(fin, id, { channel: 'admin-api' });
    const [x, y] = await Promise.all([
      run(chainOf(one.gate), toolCall(alice, 'ops', 'refund', args), tool.forward),
      run(chainOf(two.gate), toolCall(alice, 'ops', 'refund', args), tool.forward),
    ]);
    const ran = [x, y].filter((o) => o.kind === 'result' && !o.result.isError);
    expect(ran).toHaveLength(1);
    expect(tool.runs).toEqual([args]);
  });

  it('a wait call sent again (after a restart) joins the pending request instead of opening another', async () => {
    const tool = upstreamTool();
    const args = { service: 'search' };
    const firstAbort = new AbortController();
    const gone = await replica(stores.a, 'gw-restarting');
    const lost = run(
      chainOf(gone.gate),
      toolCall(alice, 'ops', 'deploy', args, firstAbort.signal),
      tool.forward,
    );
    const id = await pendingId(two, alice.subject, 'deploy');
    // Graceful shutdown: approvals close first, then the sessions end (aborting the held call).
    await gone.close();
    firstAbort.abort();
    expect(errorOf(await lost).code).toBe('cancelled');
    expect((await two.service.get(id))!.status).toBe('requested');
    const resent = toolCall(alice, 'ops', 'deploy', args);
    const held = run(chainOf(one.gate), resent, tool.forward);
    await eventually(() => Promise.resolve(resent.progress.length > 0 ? true : undefined));
    expect(resent.ctx.notes.approvalId).toBe(id);
    await two.service.approve(sam, id, { channel: 'admin-api' });
    expect((await held).kind).toBe('result');
    expect(tool.runs).toEqual([args]);
  });

  it('the sweep expires overdue requests and approvals left unused past the defer window', async () => {
    const sweeper = await replica(stores.b, 'gw-sweeper', { deferWindowMs: 150 });
    try {
      const tool = upstreamTool();
      const args = { order: 'o-late', amount: 3 };
      const first = await run(chainOf(sweeper.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
      const id = /A-[0-9A-Z]{6}/.exec(JSON.stringify(first))![0];
      await sweeper.service.approve(fin, id, { channel: 'admin-api' });
      const overdue = await sweeper.service.request({
        identity: alice,
        method: 'tools/call',
        upstream: 'ops',
        tool: 'deploy',
        arguments: { n: 9 },
        argsHash: 'a'.repeat(64),
        requirement: {
          reviewers: ['sre'],
          approvals: 1,
          timeoutMs: 100,
          mode: 'defer',
          allowSelfApproval: false,
        },
      });
      await new Promise((ok) => setTimeout(ok, 250));
      await sweeper.service.sweep();
      expect((await sweeper.service.get(overdue.id))!).toMatchObject({ status: 'expired' });
      const unused = (await sweeper.service.get(id))!;
      expect(unused.status).toBe('expired');
      expect(unused.closedReason).toContain('not used within the retry window');
      // Too late: the retry asks again.
      const retry = await run(chainOf(sweeper.gate), toolCall(alice, 'ops', 'refund', args), tool.forward);
      expect(retry.kind === 'result' && retry.result.isError).toBe(true);
      expect(tool.runs).toEqual([]);
    } finally {
      await sweeper.close();
    }
  });

  it('unknown and malformed ids are clear errors', async () => {
    const unknown = await rejection(one.service.approve(sam, 'A-ZZZZZZ', { channel: 'cli-local' }));
    expect(problemOf(unknown)).toBe('unknown');
    expect(unknown.message).toBe('unknown approval A-ZZZZZZ');
    const bad = await rejection(one.service.deny(sam, 'hello', { reason: 'x', channel: 'cli-local' }));
    expect(problemOf(bad)).toBe('invalid');
    const noReason = await rejection(one.service.deny(sam, 'A-ZZZZZZ', { channel: 'cli-local' }));
    expect(noReason.message).toContain('needs a reason');
  });
});
