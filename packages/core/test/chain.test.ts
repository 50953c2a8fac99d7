import { describe, expect, it } from 'vitest';
import { CONTINUE, reject, runChain, type Interceptor } from '../src/chain.js';
import { GatewayError } from '../src/errors.js';
import { type Outcome } from '../src/call.js';
import { testContext } from './helpers.js';

const ok = (result: Record<string, unknown>): Outcome => ({ kind: 'result', result });

function tracer(name: string, trace: string[], extra: Partial<Interceptor> = {}): Interceptor {
  return {
    name,
    onRequest: () => {
      trace.push(`${name}>`);
      return CONTINUE;
    },
    onResponse: () => {
      trace.push(`<${name}`);
      return CONTINUE;
    },
    ...extra,
  };
}

describe('runChain', () => {
  it('a step can answer the call: nothing is forwarded, the earlier steps see the answer on the way back', async () => {
    const trace: string[] = [];
    const answering = tracer('answer', trace, {
      onRequest: () => {
        trace.push('answer>');
        return { kind: 'answer', outcome: ok({ held: true }) };
      },
    });
    const ctx = testContext();
    const out = await runChain([tracer('a', trace), answering, tracer('b', trace)], ctx, () => {
      trace.push('forward');
      return Promise.resolve(ok({}));
    });
    expect(out).toEqual(ok({ held: true }));
    expect(trace).toEqual(['a>', 'answer>', '<answer', '<a']);
    expect(ctx.notes.steps.find((s) => s.step === 'answer')?.verdict).toBe('answer');
  });

  it('runs request side in order, response side in reverse, around forward', async () => {
    const trace: string[] = [];
    const out = await runChain([tracer('a', trace), tracer('b', trace)], testContext(), () => {
      trace.push('forward');
      return Promise.resolve(ok({ v: 1 }));
    });
    expect(trace).toEqual(['a>', 'b>', 'forward', '<b', '<a']);
    expect(out).toEqual(ok({ v: 1 }));
  });

  it('mutate on the request side replaces the params forwarded', async () => {
    const ctx = testContext();
    const step: Interceptor = {
      name: 'm',
      onRequest: () => ({ kind: 'mutate', params: { name: 'x', arguments: { a: 2 } } }),
    };
    let seen: unknown;
    await runChain([step], ctx, (c) => {
      seen = c.params;
      return Promise.resolve(ok({}));
    });
    expect(seen).toEqual({ name: 'x', arguments: { a: 2 } });
  });

  it('mutate on the response side replaces the outcome for outer steps and the caller', async () => {
    const seenByOuter: Outcome[] = [];
    const outer: Interceptor = { name: 'outer', onResponse: (_c, o) => (seenByOuter.push(o), CONTINUE) };
    const masker: Interceptor = {
      name: 'mask',
      onResponse: () => ({ kind: 'mutate', outcome: ok({ masked: true }) }),
    };
    const out = await runChain([outer, masker], testContext(), () => Promise.resolve(ok({ secret: 'x' })));
    expect(out).toEqual(ok({ masked: true }));
    expect(seenByOuter).toEqual([ok({ masked: true })]);
  });

  it('a reject stops the request side, never forwards, and outer steps see the refusal with the correlation id', async () => {
    const trace: string[] = [];
    let forwarded = false;
    const denier: Interceptor = {
      name: 'deny',
      onRequest: () => reject(new GatewayError('policy_denied', 'no')),
    };
    const out = await runChain(
      [tracer('outer', trace), denier, tracer('inner', trace)],
      testContext(),
      () => {
        forwarded = true;
        return Promise.resolve(ok({}));
      },
    );
    expect(forwarded).toBe(false);
    expect(trace).toEqual(['outer>', '<outer']);
    expect(out.kind).toBe('error');
    if (out.kind === 'error') {
      expect(out.error.code).toBe('policy_denied');
      expect(out.error.correlationId).toBe('c_TEST');
      expect(out.error.toJsonRpc().message).toContain('c_TEST');
    }
  });

  it('a throwing fail-closed step refuses the call; a fail-open one is skipped and reported', async () => {
    const boom = (failMode: 'open' | 'closed'): Interceptor => ({
      name: `boom-${failMode}`,
      failMode,
      onRequest: () => {
        throw new Error('store down');
      },
    });
    const closed = await runChain([boom('closed')], testContext(), () => Promise.resolve(ok({})));
    expect(closed.kind).toBe('error');
    if (closed.kind === 'error') {
      expect(closed.error.code).toBe('step_failed');
      expect(closed.error.message).toContain('boom-closed');
    }
    const errors: string[] = [];
    const open = await runChain([boom('open')], testContext(), () => Promise.resolve(ok({ fine: 1 })), {
      onStepError: (step) => errors.push(step),
    });
    expect(open).toEqual(ok({ fine: 1 }));
    expect(errors).toEqual(['boom-open']);
  });

  it('a thrown forward becomes an error outcome; every step is timed', async () => {
    const ctx = testContext();
    const out = await runChain([tracer('t', [])], ctx, () =>
      Promise.reject(new GatewayError('upstream_crashed', 'upstream "x" exited')),
    );
    expect(out.kind === 'error' && out.error.code).toBe('upstream_crashed');
    expect(ctx.notes.steps.map((s) => `${s.step}:${s.phase}:${s.verdict}`)).toEqual([
      't:request:continue',
      't:response:continue',
    ]);
    for (const s of ctx.notes.steps) expect(s.micros).toBeGreaterThanOrEqual(0);
  });
});
