import {
  GatewayError,
  newNotes,
  runChain,
  type CallContext,
  type Identity,
  type Interceptor,
  type Outcome,
} from '@mcpgate/core';
import { describe, expect, it } from 'vitest';
import { Masker } from '../src/masker.js';
import { generateSealKeyPair, unseal, type SealedBlob } from '../src/seal.js';
import { createArgumentMaskingStep, createMaskingStep } from '../src/step.js';

const EMAIL = 'jane.doe@example.com';

function ctxFor(
  method: string,
  params: Record<string, unknown>,
  groups: string[] = [],
  upstream = 'crm',
): CallContext {
  const identity: Identity = { subject: 'u:1', groups, authMethod: 'local' };
  return {
    correlationId: 'corr-123',
    session: { id: 's1', face: 'stdio', era: 'legacy', identity, startedAt: new Date() },
    method,
    params,
    target: { kind: 'tool', upstream, name: typeof params.name === 'string' ? params.name : '' },
    receivedAt: new Date(),
    signal: new AbortController().signal,
    io: {
      progress: () => Promise.resolve(),
      request: () => Promise.resolve({}),
      clientCapabilities: undefined,
    },
    notes: newNotes(),
  };
}

/** Stand-in for the audit-ahead step: records what it sees on the response side (it runs after mask). */
function recorder(seen: Outcome[], args: unknown[]): Interceptor {
  return {
    name: 'audit-ahead',
    onRequest: (ctx) => {
      args.push(ctx.notes.extra.auditArguments ?? ctx.params?.arguments);
      return { kind: 'continue' };
    },
    onResponse: (_ctx, outcome) => {
      seen.push(outcome);
      return { kind: 'continue' };
    },
  };
}

const forwardWith =
  (text: string, forwarded: unknown[] = []) =>
  (ctx: CallContext) => {
    forwarded.push(ctx.params);
    return Promise.resolve<Outcome>({ kind: 'result', result: { content: [{ type: 'text', text }] } });
  };

describe('mask step in the chain', () => {
  it('masks the result for the client and for the audit step, and notes events', async () => {
    const seen: Outcome[] = [];
    const steps = [recorder(seen, []), createMaskingStep(new Masker({}))];
    const ctx = ctxFor('tools/call', { name: 'get', arguments: {} });
    const out = await runChain(steps, ctx, forwardWith(`mail ${EMAIL}`));
    expect(out).toEqual({
      kind: 'result',
      result: { content: [{ type: 'text', text: 'mail [REDACTED:email]' }] },
    });
    expect(seen[0]).toEqual(out);
    expect(ctx.notes.masking).toEqual([
      { detector: 'email', path: 'content[0].text', start: 5, end: 25, count: 1, strategy: 'redact' },
    ]);
    expect(ctx.notes.steps.find((s) => s.step === 'mask')?.verdict).toBe('mutate');
    expect(JSON.stringify(ctx.notes)).not.toContain(EMAIL);
  });

  it('fails closed: a throwing masker yields an error, never the raw payload', async () => {
    const masker = new Masker({});
    masker.maskResult = () => {
      throw new Error('boom');
    };
    const seen: Outcome[] = [];
    const ctx = ctxFor('tools/call', { name: 'get' });
    const out = await runChain(
      [recorder(seen, []), createMaskingStep(masker)],
      ctx,
      forwardWith(`mail ${EMAIL}`),
    );
    expect(out.kind).toBe('error');
    expect(seen[0]!.kind).toBe('error');
    expect(JSON.stringify(out.kind === 'error' ? out.error.toJsonRpc() : out)).not.toContain(EMAIL);
  });

  it('masking off for an upstream: the raw response goes through and is what gets recorded', async () => {
    const seen: Outcome[] = [];
    const masker = new Masker({ rules: [{ upstream: 'crm', enabled: false }] });
    const ctx = ctxFor('tools/call', { name: 'get' });
    const out = await runChain(
      [recorder(seen, []), createMaskingStep(masker)],
      ctx,
      forwardWith(`mail ${EMAIL}`),
    );
    expect(JSON.stringify(out)).toContain(EMAIL);
    expect(seen[0]).toBe(out);
    expect(ctx.notes.masking).toEqual([]);
    expect(ctx.notes.extra.sealed).toBeUndefined();
  });

  it('a group exception: nothing masked for that caller, and the exception is noted on the call', async () => {
    const masker = new Masker({ exceptions: [{ id: 'oncall-raw', groups: ['oncall'] }] });
    const ctx = ctxFor('tools/call', { name: 'get' }, ['oncall']);
    const out = await runChain([createMaskingStep(masker)], ctx, forwardWith(`mail ${EMAIL}`));
    expect(JSON.stringify(out)).toContain(EMAIL);
    expect(ctx.notes.extra.maskingException).toEqual({ rule: 'oncall-raw', group: 'oncall' });
  });

  it('seal on: the raw result is sealed into notes.extra.sealed, bound to the correlation id', async () => {
    const keys = generateSealKeyPair();
    const masker = new Masker({ seal: { enabled: true, publicKey: keys.publicKeyPem } });
    const ctx = ctxFor('tools/call', { name: 'get' });
    const out = await runChain([createMaskingStep(masker)], ctx, forwardWith(`mail ${EMAIL}`));
    expect(JSON.stringify(out)).not.toContain(EMAIL);
    const blob = ctx.notes.extra.sealed as SealedBlob;
    expect(blob.context).toBe('corr-123');
    expect(JSON.stringify(blob)).not.toContain(EMAIL);
    expect(unseal(blob, keys.privateKeyPem)).toEqual({
      result: { content: [{ type: 'text', text: `mail ${EMAIL}` }] },
    });
    expect(() => unseal(blob, generateSealKeyPair().privateKeyPem)).toThrow();
  });

  it("masks an upstream's error message and data; other errors pass through", async () => {
    const step = createMaskingStep(new Masker({}));
    const upstreamError = new GatewayError(
      'upstream_error',
      `upstream "crm" returned an error: no user ${EMAIL}`,
      {
        data: { upstreamError: { message: `no user ${EMAIL}` } },
      },
    );
    const ctx = ctxFor('tools/call', { name: 'get' });
    const out = await runChain([step], ctx, () => Promise.resolve({ kind: 'error', error: upstreamError }));
    expect(out.kind).toBe('error');
    const rpc = out.kind === 'error' ? out.error.toJsonRpc() : undefined;
    expect(JSON.stringify(rpc)).not.toContain(EMAIL);
    expect(rpc?.message).toContain('no user [REDACTED:email]');
    expect(rpc?.data.mcpgate).toEqual({ code: 'upstream_error', correlationId: 'corr-123' });
    expect(ctx.notes.masking.map((e) => e.path)).toEqual([
      'error.message',
      'error.data.upstreamError.message',
    ]);

    const other = new GatewayError('upstream_timeout', 'no answer');
    const ctx2 = ctxFor('tools/call', { name: 'get' });
    const out2 = await runChain([step], ctx2, () => Promise.resolve({ kind: 'error', error: other }));
    expect(out2.kind === 'error' && out2.error).toBe(other);
  });

  it('error outcomes and gateway-answered methods pass through', async () => {
    const step = createMaskingStep(new Masker({}));
    const ctx = ctxFor('tools/list', {});
    const result = { tools: [{ name: 'x', description: EMAIL }] };
    const out = await runChain([step], ctx, () => Promise.resolve({ kind: 'result', result }));
    expect(out).toEqual({ kind: 'result', result });
  });
});

describe('mask-args step', () => {
  it('masks the audit copy of arguments; the upstream receives them intact', async () => {
    const masker = new Masker({ arguments: true });
    const recordedArgs: unknown[] = [];
    const forwarded: unknown[] = [];
    const ctx = ctxFor('tools/call', { name: 'send', arguments: { to: EMAIL, password: 'pw1' } });
    await runChain(
      [createArgumentMaskingStep(masker), recorder([], recordedArgs), createMaskingStep(masker)],
      ctx,
      forwardWith('ok', forwarded),
    );
    expect(recordedArgs[0]).toEqual({ to: '[REDACTED:email]', password: '[REDACTED:key:password]' });
    expect(forwarded[0]).toEqual({ name: 'send', arguments: { to: EMAIL, password: 'pw1' } });
    expect(ctx.notes.masking.map((e) => e.path)).toEqual([
      'params.arguments.to',
      'params.arguments.password',
    ]);
  });

  it('does nothing when argument masking is off (the default)', async () => {
    const ctx = ctxFor('tools/call', { name: 'send', arguments: { to: EMAIL } });
    await runChain([createArgumentMaskingStep(new Masker({}))], ctx, forwardWith('ok'));
    expect(ctx.notes.extra.auditArguments).toBeUndefined();
  });
});
