import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, Gateway, Interceptor } from '@mcpgate/core';
import { MemoryRateCounter } from '../src/ratelimit/counters.js';
import { PolicyRuntime } from '../src/runtime.js';
import { clientIO, mutableSpec, peer, sessionFor, startGateway } from './gateway-helpers.js';
import { identity } from './helpers.js';

const allowEcho = { default: 'deny', rules: [{ name: 'echo', match: { tools: ['echo'] }, action: 'allow' }] };
const denyEcho = {
  default: 'deny',
  rules: [
    {
      name: 'no-echo',
      match: { tools: ['echo'], arguments: { required: ['message'] } },
      action: 'deny',
      message: 'echo is paused',
    },
    { name: 'rest', match: { tools: ['echo'] }, action: 'allow' },
  ],
};

describe('hot reload', () => {
  it('an invalid policy is refused with its errors and the running one stays', () => {
    const created = PolicyRuntime.create(allowEcho);
    if (!created.ok) throw new Error(created.errors.join('\n'));
    const rt = created.runtime;
    const before = rt.version;
    const r = rt.reload({
      rules: [{ name: 'bad', action: 'deny', match: { args: [{ at: 'x', regex: '(?=a)' }] } }],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join('\n')).toContain('lookaround');
      expect(r.version).toBe(before);
    }
    expect(rt.version).toBe(before);
    expect(rt.reload(allowEcho)).toEqual({ ok: true, version: before, changed: false });
    const ok = rt.reload(denyEcho);
    expect(ok).toMatchObject({ ok: true, changed: true });
    expect(rt.version).not.toBe(before);
  });

  describe('under traffic through a real gateway', () => {
    let gw: Gateway;
    let decisions: Decision[];
    let rt: PolicyRuntime;
    let capture: Interceptor;
    beforeAll(async () => {
      const created = PolicyRuntime.create(allowEcho, { rateCounter: new MemoryRateCounter() });
      if (!created.ok) throw new Error(created.errors.join('\n'));
      rt = created.runtime;
      const started = await startGateway([mutableSpec('m')], rt.steps(), rt.visibility());
      gw = started.gateway;
      decisions = started.decisions;
      capture = started.capture;
    });
    afterAll(async () => gw?.close());

    it('swaps the policy without dropping the session; every call is decided by exactly one version', async () => {
      const s = gw.openSession(sessionFor('s', identity('oidc:alice')), peer);
      const v1 = rt.version;
      const call = (i: number) =>
        s
          .handle(
            'tools/call',
            { name: 'm__echo', arguments: { message: `m${i}` } },
            clientIO(undefined),
            new AbortController().signal,
          )
          .then(
            () => 'ok',
            (e: { code: string }) => e.code,
          );
      const first = Array.from({ length: 20 }, (_, i) => call(i));
      const r = rt.reload(denyEcho);
      expect(r.ok).toBe(true);
      gw.setSteps({ outer: [capture], inner: rt.steps() }, rt.visibility());
      const second = Array.from({ length: 20 }, (_, i) => call(100 + i));
      const outcomes = await Promise.all([...first, ...second]);
      // Calls started before the swap ran on v1 and succeeded; those after were refused by v2.
      expect(outcomes.slice(0, 20).every((o) => o === 'ok')).toBe(true);
      expect(outcomes.slice(20).every((o) => o === 'policy_denied')).toBe(true);
      const versions = new Set(decisions.slice(-40).map((d) => d.policyVersion));
      expect(versions).toEqual(new Set([v1, rt.version]));
      // The same session keeps working after the swap.
      expect(
        (await s.handle('tools/list', undefined, clientIO(undefined), new AbortController().signal)).tools,
      ).toBeDefined();
    });
  });
});
