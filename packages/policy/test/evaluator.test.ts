import { describe, expect, it } from 'vitest';
import { buildPolicyEngine, policyConfigIssues } from '../src/build.js';
import { secretScanner } from '@mcpgate/masking';
import { engineOf, identity, toolCall } from './helpers.js';

const alice = identity('oidc:alice', ['eng']);
const bob = identity('oidc:bob', ['contractors']);
const ci = identity('key:ci', [], { authMethod: 'api-key', keyName: 'ci-runner' });

const policy = {
  default: 'deny',
  rules: [
    {
      name: 'no-contractor-writes',
      match: { groups: ['contractors'], tools: ['write_*', 'delete_*'] },
      action: 'deny',
      message: 'contractors may only read',
    },
    {
      name: 'destructive-needs-approval',
      match: { upstreams: ['db'], annotations: { destructiveHint: true } },
      action: 'require_approval',
      approval: { reviewers: ['dba'], approvals: 2 },
    },
    {
      name: 'ci-reads',
      match: { authMethods: ['api-key'], keyNames: ['ci-*'], tools: ['read_*'] },
      action: 'allow',
    },
    {
      name: 'small-queries',
      match: {
        upstreams: ['db'],
        tools: ['query'],
        arguments: {
          type: 'object',
          required: ['limit'],
          properties: { limit: { type: 'integer', maximum: 100 } },
        },
      },
      action: 'allow',
    },
    {
      name: 'office-hours',
      match: {
        groups: ['eng'],
        upstreams: ['fs'],
        time: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '09:00-18:00', timezone: 'Europe/Berlin' },
      },
      action: 'allow',
    },
    { name: 'confirm-send', match: { tools: ['send_*'] }, action: 'confirm', message: 'Send this message?' },
    {
      name: 'prod-grant',
      match: { upstreams: ['prod-*'] },
      action: 'require_grant',
      grant: { maxDuration: '4h', reviewers: ['sre'] },
    },
    { name: 'everyone-reads-fs', match: { upstreams: ['fs'], tools: ['read_*'] }, action: 'allow' },
  ],
};

// Tuesday 2026-11-24 10:00 UTC = 11:00 in Berlin; Saturday 2026-11-28.
const tuesday = new Date('2026-11-24T10:00:00Z');
const tuesdayNight = new Date('2026-11-24T20:00:00Z');
const saturday = new Date('2026-11-28T10:00:00Z');

describe('evaluator (ordered first match)', () => {
  const engine = engineOf(policy);
  const cases = [
    { who: bob, up: 'fs', tool: 'write_file', want: 'deny', rule: 'no-contractor-writes' },
    { who: bob, up: 'fs', tool: 'read_file', want: 'allow', rule: 'everyone-reads-fs' },
    { who: alice, up: 'fs', tool: 'write_file', want: 'allow', rule: 'office-hours' },
    { who: alice, up: 'fs', tool: 'write_file', now: tuesdayNight, want: 'deny', rule: undefined },
    { who: alice, up: 'fs', tool: 'write_file', now: saturday, want: 'deny', rule: undefined },
    // Absent annotations take MCP's defaults (destructive), so this unannotated tool needs approval.
    {
      who: alice,
      up: 'db',
      tool: 'query',
      args: { limit: 5 },
      want: 'require_approval',
      rule: 'destructive-needs-approval',
    },
    {
      who: alice,
      up: 'db',
      tool: 'query',
      args: { limit: 5 },
      ann: { destructiveHint: false },
      want: 'allow',
      rule: 'small-queries',
    },
    {
      who: alice,
      up: 'db',
      tool: 'query',
      args: { limit: 500 },
      ann: { readOnlyHint: true, destructiveHint: false },
      want: 'deny',
      rule: undefined,
    },
    {
      who: alice,
      up: 'db',
      tool: 'query',
      args: {},
      ann: { destructiveHint: false },
      want: 'deny',
      rule: undefined,
    },
    { who: ci, up: 'git', tool: 'read_log', want: 'allow', rule: 'ci-reads' },
    {
      who: identity('key:other', [], { authMethod: 'api-key', keyName: 'deploy' }),
      up: 'git',
      tool: 'read_log',
      want: 'deny',
      rule: undefined,
    },
    { who: alice, up: 'chat', tool: 'send_message', want: 'confirm', rule: 'confirm-send' },
    { who: alice, up: 'prod-eu', tool: 'restart', want: 'require_grant', rule: 'prod-grant' },
  ] as const;
  for (const c of cases) {
    it(`${c.who.subject} ${c.up}/${c.tool}${'now' in c ? ` at ${c.now.toISOString()}` : ''} → ${c.want}`, () => {
      const input = toolCall(c.who, c.up, c.tool, 'args' in c ? { ...c.args } : undefined, {
        now: 'now' in c ? c.now : tuesday,
        ...('ann' in c ? { annotations: c.ann } : {}),
      });
      const d = engine.evaluate(input);
      expect(d.action).toBe(c.want);
      expect(d.rule).toBe(c.rule);
      expect(d.policyVersion).toBe(engine.version);
      // explain must reach the same decision as the fast path.
      expect(engine.explain(input).decision).toEqual(d);
    });
  }

  it('carries the rule payloads the later steps need', () => {
    const d = engine.evaluate(toolCall(alice, 'db', 'drop', undefined, { now: tuesday }));
    expect(d.approval).toEqual({
      reviewers: ['dba'],
      approvals: 2,
      timeoutMs: 900_000,
      mode: 'wait',
      allowSelfApproval: false,
    });
    const g = engine.evaluate(toolCall(alice, 'prod-eu', 'x'));
    expect(g.grant).toEqual({ maxDurationMs: 4 * 3_600_000, reviewers: ['sre'] });
    expect(engine.evaluate(toolCall(bob, 'fs', 'write_file')).message).toBe('contractors may only read');
  });

  it('first match wins: an earlier allow beats a later deny and vice versa', () => {
    const e = engineOf({
      rules: [
        { name: 'a', match: { tools: ['x'] }, action: 'allow' },
        { name: 'b', match: { tools: ['x'] }, action: 'deny' },
      ],
    });
    expect(e.evaluate(toolCall(alice, 'u', 'x')).rule).toBe('a');
    const swapped = engineOf({
      rules: [
        { name: 'b', match: { tools: ['x'] }, action: 'deny' },
        { name: 'a', match: { tools: ['x'] }, action: 'allow' },
      ],
    });
    expect(swapped.evaluate(toolCall(alice, 'u', 'x')).rule).toBe('b');
  });

  it('default applies to upstream calls; gateway list methods are allowed unless a rule says otherwise', () => {
    const e = engineOf({
      default: 'deny',
      defaultMessage: 'ask #platform',
      rules: [
        { name: 'no-lists-for-guests', match: { groups: ['guests'], methods: ['*/list'] }, action: 'deny' },
      ],
    });
    const list = {
      identity: alice,
      method: 'tools/list',
      target: { kind: 'gateway' as const },
      now: tuesday,
    };
    expect(e.evaluate(list).action).toBe('allow');
    expect(e.evaluate({ ...list, identity: identity('g', ['guests']) }).rule).toBe('no-lists-for-guests');
    const d = e.evaluate(toolCall(alice, 'u', 'x'));
    expect(d).toMatchObject({ action: 'deny', message: 'ask #platform' });
    expect(d.rule).toBeUndefined();
    expect(engineOf({ default: 'allow' }).evaluate(toolCall(alice, 'u', 'x')).action).toBe('allow');
  });

  it('matches prompts and resource URIs by their own globs', () => {
    const e = engineOf({
      rules: [
        { name: 'p', match: { prompts: ['summarize*'] }, action: 'allow' },
        { name: 'r', match: { resources: ['file:///srv/docs/*'] }, action: 'allow' },
      ],
    });
    const base = { identity: alice, now: tuesday };
    expect(
      e.evaluate({
        ...base,
        method: 'prompts/get',
        target: { kind: 'prompt', upstream: 'u', name: 'summarize_text' },
      }).rule,
    ).toBe('p');
    expect(
      e.evaluate({
        ...base,
        method: 'resources/read',
        target: { kind: 'resource', upstream: 'u', uri: 'file:///srv/docs/a.md' },
      }).rule,
    ).toBe('r');
    expect(
      e.evaluate({
        ...base,
        method: 'resources/read',
        target: { kind: 'resource', upstream: 'u', uri: 'file:///etc/passwd' },
      }).action,
    ).toBe('deny');
    // A tool named like the prompt glob is not a prompt.
    expect(e.evaluate(toolCall(alice, 'u', 'summarize_text')).action).toBe('deny');
  });

  it('explain lists every rule tried and the condition that failed', () => {
    const { decision, considered } = engine.explain(
      toolCall(bob, 'fs', 'read_file', undefined, { now: tuesday }),
    );
    expect(decision.rule).toBe('everyone-reads-fs');
    expect(considered.map((c) => c.rule)).toEqual(policy.rules.map((r) => r.name));
    expect(considered[0]).toMatchObject({ rule: 'no-contractor-writes', matched: false, failed: 'tools' });
    expect(considered[4]).toMatchObject({ rule: 'office-hours', matched: false, failed: 'groups' });
    expect(considered.at(-1)).toMatchObject({ matched: true });
    const q = engine.explain(
      toolCall(alice, 'db', 'query', { limit: 500 }, { annotations: { destructiveHint: false } }),
    );
    expect(q.considered.find((c) => c.rule === 'small-queries')?.failed).toBe(
      'arguments: /limit must be <= 100',
    );
  });

  it('policy version is a hash of the config: same config same version, any change a new one', () => {
    expect(engineOf(policy).version).toBe(engine.version);
    expect(engineOf({ ...policy, default: 'allow' }).version).not.toBe(engine.version);
  });
});

describe('argument checks see every string, however deep', () => {
  const noSecrets = {
    default: 'allow',
    rules: [{ name: 'no-secrets', match: { args: [{ at: '*', secrets: true }] }, action: 'deny' }],
  };
  // The gateway injects the masking detectors; policy itself does not import masking.
  const e = engineOf(noSecrets, { secrets: secretScanner() });
  it('without an injected scanner, a secrets matcher does not build (fail closed)', () => {
    const built = buildPolicyEngine(noSecrets);
    expect(built.ok).toBe(false);
    expect(built.ok ? [] : built.errors).toEqual([
      'policy.rules[0] (no-secrets): match.args[0]: secrets matchers need the masking detectors (none were supplied)',
    ]);
  });
  it('a token nested 200 levels deep, or used as a key, is found', () => {
    let deep: Record<string, unknown> = { token: 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789' };
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expect(e.evaluate(toolCall(alice, 'u', 't', deep)).rule).toBe('no-secrets');
    expect(
      e.evaluate(toolCall(alice, 'u', 't', { ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789']: 1 })).rule,
    ).toBe('no-secrets');
    expect(e.evaluate(toolCall(alice, 'u', 't', { text: 'nothing to see' })).action).toBe('allow');
  });
});

describe('building a policy never throws', () => {
  const bad = (raw: unknown): string[] => {
    const r = buildPolicyEngine(raw);
    if (r.ok) throw new Error('expected errors');
    return [...r.errors];
  };
  it('reports schema errors with their path', () => {
    expect(bad({ rules: [{ name: 'x', action: 'maybe' }] }).join('\n')).toContain('policy.rules.0.action');
    expect(bad({ rulez: [] }).join('\n')).toContain('"rulez"');
  });
  it('reports every rule error with the rule path', () => {
    const errors = bad({
      rules: [
        { name: 'a', action: 'require_approval' },
        { name: 'a', action: 'allow' },
        { name: 'tz', match: { time: { timezone: 'Mars/Olympus' } }, action: 'allow' },
        {
          name: 'schema',
          match: { arguments: { type: 'object', properties: { x: { type: 'strin' } } } },
          action: 'allow',
        },
        {
          name: 'backref',
          match: { arguments: { properties: { x: { type: 'string', pattern: '(a)\\1' } } } },
          action: 'allow',
        },
        {
          name: 'grant-no-upstream',
          action: 'require_grant',
          grant: { maxDuration: '1h', reviewers: ['sre'] },
        },
      ],
    });
    expect(errors).toEqual([
      expect.stringContaining('policy.rules[0] (a): require_approval needs an approval block'),
      expect.stringContaining('policy.rules[1] (a): duplicate rule name'),
      expect.stringContaining('policy.rules[2] (tz): match.time: unknown time zone "Mars/Olympus"'),
      expect.stringContaining('policy.rules[3] (schema): match.arguments'),
      expect.stringContaining('backreferences are not supported'),
      expect.stringContaining('require_grant rules must name their upstreams'),
    ]);
  });
  it('gives the config loader issues with section-relative paths', () => {
    expect(
      policyConfigIssues({
        rules: [
          { name: 'ok', action: 'allow' },
          { name: 'evil', match: { args: [{ at: 'q', regex: '(x*)*' }] }, action: 'deny' },
        ],
        rateLimits: [
          { name: 'l', limit: 1, per: '1m' },
          { name: 'l', limit: 1, per: '1m' },
        ],
      }),
    ).toEqual([
      {
        path: ['rules', 1, 'match', 'args', 0],
        message: expect.stringContaining('rule "evil": pattern /(x*)*/: nested quantifier'),
      },
      { path: ['rateLimits', 1, 'name'], message: 'rate limit "l": duplicate rate limit name' },
    ]);
    expect(policyConfigIssues({ rules: [{ name: 'x', action: 'nope' }] })).toEqual([
      {
        path: ['rules', 0, 'action'],
        message: expect.stringContaining('must be equal to one of the allowed values'),
      },
    ]);
    expect(policyConfigIssues({ rules: [] })).toEqual([]);
  });
  it('does not mutate the caller config', () => {
    const raw = { rules: [] };
    buildPolicyEngine(raw);
    expect(raw).toEqual({ rules: [] });
  });
});
