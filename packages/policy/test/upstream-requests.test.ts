import { describe, expect, it } from 'vitest';
import { newUpstreamNotes, type CallContext, type UpstreamMessage } from '@mcpgate/core';
import { buildPolicyEngine } from '../src/build.js';
import { createAuthorizeSteps } from '../src/step/authorize.js';
import { engineOf, identity } from './helpers.js';

const policy = {
  default: 'allow',
  rules: [
    {
      name: 'summarize-samples',
      match: { methods: ['sampling/createMessage'], upstreams: ['docs'], tools: ['summarize'] },
      action: 'allow',
      limits: { maxPerCall: 2, maxTokens: 100 },
    },
    { name: 'everything-on-docs', match: { upstreams: ['docs'] }, action: 'allow' },
    { name: 'project-roots', match: { methods: ['roots/list'] }, action: 'allow', roots: ['file:///srv/p'] },
  ],
};

function cause(tool: string): CallContext {
  return {
    correlationId: 'c_1',
    session: {
      id: 's_1',
      face: 'stdio',
      era: 'legacy',
      identity: identity('oidc:ann'),
      startedAt: new Date(),
    },
    method: 'tools/call',
    params: { name: tool },
    target: { kind: 'tool', upstream: 'docs', name: tool, exposedName: `docs__${tool}` },
    receivedAt: new Date(),
    signal: new AbortController().signal,
    io: {
      progress: () => Promise.resolve(),
      request: () => Promise.reject(new Error('no client')),
      clientCapabilities: undefined,
    },
    notes: { steps: [], masking: [], extra: {} },
  };
}

function ask(
  c: CallContext,
  method: string,
  params: Record<string, unknown>,
  kind: UpstreamMessage['kind'] = 'request',
): UpstreamMessage {
  return { kind, method, upstream: 'docs', cause: c, sessionId: 's_1', params, notes: newUpstreamNotes() };
}

const step = createAuthorizeSteps(engineOf(policy)).find((s) => s.name === 'policy')!;
const decide = async (m: UpstreamMessage) => step.onUpstream!(m);

describe('policy over requests upstreams start', () => {
  it('decides sampling only by rules that name it; the default is deny', async () => {
    const other = await decide(ask(cause('search'), 'sampling/createMessage', { maxTokens: 10 }));
    expect(other.kind).toBe('reject');
    if (other.kind === 'reject') {
      expect(other.error.code).toBe('policy_denied');
      expect(other.error.message).toBe(
        'upstream "docs" asked for sampling/createMessage during tools/call docs__search: denied by default (policy.upstreamRequests; see docs/policy.md, "Requests upstreams start")',
      );
    }
    // The broad "everything-on-docs" rule does not let an upstream use the client's model…
    const m = ask(cause('search'), 'sampling/createMessage', { maxTokens: 10 });
    await decide(m);
    expect(m.notes.decision).toMatchObject({
      action: 'deny',
      reason: expect.stringContaining('upstreamRequests.sampling is deny'),
    });
    // …but elicitation is allowed by default.
    expect((await decide(ask(cause('search'), 'elicitation/create', { message: 'q' }))).kind).toBe(
      'continue',
    );
  });

  it('applies the rule limits: tokens asked and requests per call', async () => {
    const c = cause('summarize');
    expect((await decide(ask(c, 'sampling/createMessage', { maxTokens: 500 }))).kind).toBe('reject');
    const c2 = cause('summarize');
    expect((await decide(ask(c2, 'sampling/createMessage', { maxTokens: 50 }))).kind).toBe('continue');
    expect((await decide(ask(c2, 'sampling/createMessage', { maxTokens: 50 }))).kind).toBe('continue');
    const third = await decide(ask(c2, 'sampling/createMessage', { maxTokens: 50 }));
    expect(third.kind === 'reject' && third.error.message).toContain(
      'this is request 3 of sampling/createMessage in one call; rule "summarize-samples" allows 2',
    );
  });

  it('narrows a roots answer to the configured roots', async () => {
    const c = cause('search');
    const answer = ask(
      c,
      'roots/list',
      { roots: [{ uri: 'file:///srv/p/a' }, { uri: 'file:///srv/pp' }, { uri: 'file:///home/x' }] },
      'answer',
    );
    const v = await decide(answer);
    expect(v).toEqual({ kind: 'mutate', params: { roots: [{ uri: 'file:///srv/p/a' }] } });
    expect(answer.notes.extra.rootsNarrowed).toEqual({ rule: 'project-roots', kept: 1, dropped: 2 });
  });

  it('lets notifications pass (masking and audit handle them)', async () => {
    const n = ask(cause('search'), 'notifications/message', { data: 'x' }, 'notification');
    expect((await decide(n)).kind).toBe('continue');
  });

  it('refuses limits and roots on rules that do not name upstream requests, at load', () => {
    const built = buildPolicyEngine({
      rules: [
        { name: 'a', match: { tools: ['x'] }, action: 'allow', limits: { maxPerCall: 1 } },
        { name: 'b', match: { methods: ['sampling/createMessage'] }, action: 'allow', roots: ['file:///x'] },
      ],
    });
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(built.errors.join('\n')).toContain('`limits` and `roots` apply to upstream-started requests');
      expect(built.errors.join('\n')).toContain('`roots` narrows roots/list answers');
    }
  });
});
