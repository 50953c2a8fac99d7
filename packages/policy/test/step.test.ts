import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog, CONTINUE, GatewayError, resolveTarget, type Gateway, type Decision } from '@mcpgate/core';
import { createAuthorizeSteps } from '../src/step/authorize.js';
import type { ApprovalGate } from '../src/step/hooks.js';
import { notFoundError } from '../src/step/hidden.js';
import { createPolicyVisibility } from '../src/visibility.js';
import { engineOf, identity } from './helpers.js';
import { clientIO, failure, mutableSpec, peer, sessionFor, startGateway } from './gateway-helpers.js';

const policy = {
  default: 'deny',
  rules: [
    { name: 'admins-everything', match: { groups: ['admins'] }, action: 'allow' },
    { name: 'echo-for-all', match: { tools: ['echo'] }, action: 'allow' },
    {
      name: 'no-secret-logs',
      match: {
        tools: ['log'],
        arguments: { required: ['message'], properties: { message: { pattern: 'password' } } },
      },
      action: 'deny',
      message: 'log messages must not mention passwords',
    },
    { name: 'logs', match: { tools: ['log'] }, action: 'allow' },
    { name: 'ask-first', match: { tools: ['filler_1'] }, action: 'confirm', message: 'Really run filler 1?' },
    {
      name: 'filler-2-approval',
      match: { tools: ['filler_2'] },
      action: 'require_approval',
      approval: { reviewers: ['admins'], approvals: 1, timeout: '5m' },
    },
    {
      name: 'slow-grant',
      match: { upstreams: ['m'], tools: ['slow'] },
      action: 'require_grant',
      grant: { maxDuration: '1h', reviewers: ['admins'] },
    },
  ],
};

describe('authorize step through a real gateway', () => {
  const engine = engineOf(policy);
  let approvalCalls = 0;
  const gate: ApprovalGate = {
    hold(ctx, decision) {
      approvalCalls++;
      expect(decision.approval.reviewers).toEqual(['admins']);
      // A stand-in reviewer: approves echo-like calls, denies everything else.
      return Promise.resolve(
        ctx.params?.arguments && (ctx.params.arguments as { ok?: boolean }).ok
          ? CONTINUE
          : { kind: 'reject', error: new GatewayError('approval_denied', 'denied by reviewer') },
      );
    },
  };
  let gw: Gateway;
  let gwNoGate: Gateway;
  let decisions: Decision[];
  const alice = sessionFor('s-alice', identity('oidc:alice', ['eng']));
  const root = sessionFor('s-root', identity('oidc:root', ['admins']));
  const ctl = () => new AbortController().signal;

  beforeAll(async () => {
    const started = await startGateway(
      [mutableSpec('m')],
      createAuthorizeSteps(engine, { approvals: gate }),
      createPolicyVisibility(engine),
    );
    gw = started.gateway;
    decisions = started.decisions;
    gwNoGate = (
      await startGateway([mutableSpec('m')], createAuthorizeSteps(engine), createPolicyVisibility(engine))
    ).gateway;
  });
  afterAll(async () => {
    await gw?.close();
    await gwNoGate?.close();
  });

  const names = async (s: ReturnType<Gateway['openSession']>): Promise<string[]> => {
    const r = await s.handle('tools/list', undefined, clientIO(undefined), ctl());
    return (r.tools as { name: string }[]).map((t) => t.name).sort();
  };

  it('lists only what the caller could ever call', async () => {
    const a = gw.openSession(alice, peer);
    expect(await names(a)).toEqual(['m__echo', 'm__filler_1', 'm__filler_2', 'm__log', 'm__slow']);
    const r = gw.openSession(root, peer);
    expect(await names(r)).toContain('m__crash');
    expect((await names(r)).length).toBeGreaterThan(5);
  });

  it('a hidden tool answers exactly like a missing one', async () => {
    const a = gw.openSession(alice, peer);
    const hidden = await failure(
      a.handle('tools/call', { name: 'm__crash', arguments: {} }, clientIO(undefined), ctl()),
    );
    const missing = await failure(
      a.handle('tools/call', { name: 'm__crasj', arguments: {} }, clientIO(undefined), ctl()),
    );
    expect(hidden.code).toBe('unknown_tool');
    expect(hidden.message).toBe('unknown tool "m__crash"');
    expect(missing.message).toBe('unknown tool "m__crasj"');
    const shape = (f: typeof hidden, name: string) => ({
      ...f,
      message: f.message.replace(name, 'X'),
      rpc: {
        ...f.rpc,
        message: (f.rpc.message as string).replace(name, 'X').replace(/\(correlation id [^)]+\)/, ''),
        data: {
          ...(f.rpc.data as object),
          mcpgate: { ...(f.rpc.data as { mcpgate: object }).mcpgate, correlationId: 'id' },
        },
      },
    });
    expect(shape(hidden, 'm__crash')).toEqual(shape(missing, 'm__crasj'));
    // The audit still knows why.
    // The audit still knows why (the missing name never reached authorize, so it left no decision).
    expect(decisions.at(-1)).toMatchObject({ action: 'deny', policyVersion: engine.version });
  });

  it('a visible tool refused for its arguments names the rule and why', async () => {
    const a = gw.openSession(alice, peer);
    const f = await failure(
      a.handle(
        'tools/call',
        { name: 'm__log', arguments: { message: 'my password is x' } },
        clientIO(undefined),
        ctl(),
      ),
    );
    expect(f).toMatchObject({
      code: 'policy_denied',
      message: 'log messages must not mention passwords',
      data: { rule: 'no-secret-logs' },
    });
    const ok = await a.handle(
      'tools/call',
      { name: 'm__log', arguments: { message: 'hello' } },
      clientIO(undefined),
      ctl(),
    );
    expect(ok.isError).not.toBe(true);
    expect(decisions.at(-1)).toMatchObject({ action: 'allow', rule: 'logs' });
  });

  it('allow runs the call upstream', async () => {
    const a = gw.openSession(alice, peer);
    const r = await a.handle(
      'tools/call',
      { name: 'm__echo', arguments: { message: 'hi' } },
      clientIO(undefined),
      ctl(),
    );
    expect(JSON.stringify(r)).toContain('hi');
  });

  it('confirm asks the caller through elicitation and refuses when it cannot', async () => {
    const a = gw.openSession(alice, peer);
    const none = await failure(
      a.handle('tools/call', { name: 'm__filler_1', arguments: {} }, clientIO(undefined), ctl()),
    );
    expect(none.code).toBe('confirmation_refused');
    expect(none.message).toContain('does not support MCP elicitation');

    const yes = clientIO({ elicitation: {} }, () => ({ action: 'accept', content: { confirm: true } }));
    await a.handle('tools/call', { name: 'm__filler_1', arguments: {} }, yes, ctl());
    expect(yes.asked).toHaveLength(1);
    expect(yes.asked[0]).toMatchObject({ method: 'elicitation/create' });
    expect((yes.asked[0]!.params as { message: string }).message).toContain('Really run filler 1?');

    for (const answer of [
      { action: 'decline' },
      { action: 'cancel' },
      { action: 'accept', content: { confirm: false } },
    ]) {
      const no = clientIO({ elicitation: {} }, () => answer);
      const f = await failure(a.handle('tools/call', { name: 'm__filler_1', arguments: {} }, no, ctl()));
      expect(f.code).toBe('confirmation_refused');
    }
  });

  it('require_approval goes to the approval gate, and refuses without one (fail-closed)', async () => {
    const a = gw.openSession(alice, peer);
    await a.handle(
      'tools/call',
      { name: 'm__filler_2', arguments: { ok: true } },
      clientIO(undefined),
      ctl(),
    );
    const denied = await failure(
      a.handle('tools/call', { name: 'm__filler_2', arguments: {} }, clientIO(undefined), ctl()),
    );
    expect(denied.code).toBe('approval_denied');
    expect(approvalCalls).toBe(2);
    const b = gwNoGate.openSession(alice, peer);
    const f = await failure(
      b.handle('tools/call', { name: 'm__filler_2', arguments: { ok: true } }, clientIO(undefined), ctl()),
    );
    expect(f.code).toBe('approval_required');
    expect(f.message).toContain('filler-2-approval');
    expect(f.message).toContain('approvals are not enabled');
  });

  it('require_grant refuses without a grant and says how to get one', async () => {
    const a = gwNoGate.openSession(alice, peer);
    const f = await failure(
      a.handle('tools/call', { name: 'm__slow', arguments: {} }, clientIO(undefined), ctl()),
    );
    expect(f.code).toBe('grant_required');
    expect(f.message).toContain('mcpgate access request --upstream m --tool slow --duration 1h');
    expect(f.data).toMatchObject({ rule: 'slow-grant', reviewers: ['admins'] });
  });
});

describe('hidden prompts and resources answer like missing ones', () => {
  const empty = new Catalog();
  const missingError = (method: string, params: Record<string, unknown>): GatewayError => {
    try {
      resolveTarget(empty, method, params, 'cid');
    } catch (err) {
      return err as GatewayError;
    }
    throw new Error('expected resolveTarget to refuse');
  };
  it('matches core resolveTarget codes and messages', () => {
    const cases = [
      {
        method: 'tools/call',
        params: { name: 'a__t' },
        target: { kind: 'tool' as const, upstream: 'a', name: 't', exposedName: 'a__t' },
      },
      {
        method: 'prompts/get',
        params: { name: 'a__p' },
        target: { kind: 'prompt' as const, upstream: 'a', name: 'p', exposedName: 'a__p' },
      },
      {
        method: 'resources/read',
        params: { uri: 'file:///x' },
        target: { kind: 'resource' as const, upstream: 'a', uri: 'file:///x' },
      },
      {
        method: 'completion/complete',
        params: { ref: { type: 'ref/prompt', name: 'a__p' } },
        target: { kind: 'completion' as const, upstream: 'a', name: 'p', exposedName: 'a__p' },
      },
    ];
    for (const c of cases) {
      const want = missingError(c.method, c.params);
      const got = notFoundError(c.target)!;
      expect([got.code, got.message, got.data]).toEqual([want.code, want.message, want.data]);
    }
  });
});
