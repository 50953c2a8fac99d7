import { describe, expect, it } from 'vitest';
import { CONTINUE, type Interceptor } from '../src/chain.js';
import { GatewayError } from '../src/errors.js';
import { newUpstreamNotes, runUpstreamSide, type UpstreamMessage } from '../src/upstream-side.js';
import { answeredMethod } from '../src/relay.js';
import { testContext } from './helpers.js';

function message(overrides: Partial<UpstreamMessage> = {}): UpstreamMessage {
  return {
    kind: 'request',
    method: 'sampling/createMessage',
    upstream: 'up',
    cause: testContext(),
    params: { messages: [] },
    notes: newUpstreamNotes(),
    ...overrides,
  };
}

function step(name: string, trace: string[], extra: Partial<Interceptor> = {}): Interceptor {
  return {
    name,
    onUpstream: (msg) => {
      trace.push(`${name}${msg.refused ? '(refused)' : ''}`);
      return CONTINUE;
    },
    ...extra,
  };
}

describe('runUpstreamSide', () => {
  it('runs in the response order (inner to outer), timing each step', async () => {
    const trace: string[] = [];
    const msg = await runUpstreamSide(
      [step('audit', trace), step('route', trace, { onUpstream: undefined }), step('mask', trace)],
      message(),
    );
    expect(trace).toEqual(['mask', 'audit']);
    expect(msg.notes.steps.map((s) => [s.step, s.phase, s.verdict])).toEqual([
      ['mask', 'upstream', 'continue'],
      ['audit', 'upstream', 'continue'],
    ]);
  });

  it('a mutate replaces what travels on; a refusal stops later mutations but outer steps still see it', async () => {
    const trace: string[] = [];
    const msg = await runUpstreamSide(
      [
        step('audit', trace),
        step('mask', trace, { onUpstream: () => ({ kind: 'mutate', params: { masked: true } }) }),
        step('authorize', trace, {
          onUpstream: () => ({ kind: 'reject', error: new GatewayError('policy_denied', 'no sampling') }),
        }),
      ],
      message(),
    );
    expect(trace).toEqual(['audit(refused)']);
    expect(msg.refused?.code).toBe('policy_denied');
    expect(msg.refused?.correlationId).toBe('c_TEST');
    expect(msg.params).toEqual({ messages: [] }); // the mask's mutate after the refusal is not applied
  });

  it('a thrown step refuses (fail-closed) unless it declared fail-open', async () => {
    const boom = (): never => {
      throw new Error('detector crashed');
    };
    const closed = await runUpstreamSide([{ name: 'mask', onUpstream: boom }], message());
    expect(closed.refused?.code).toBe('step_failed');
    expect(closed.refused?.message).not.toContain('detector crashed');
    const errors: string[] = [];
    const open = await runUpstreamSide(
      [{ name: 'log', failMode: 'open', onUpstream: boom }],
      message(),
      (s) => errors.push(s),
    );
    expect(open.refused).toBeUndefined();
    expect(errors).toEqual(['log']);
  });
});

describe('answeredMethod', () => {
  it('tells an inputResponses entry apart by shape', () => {
    expect(answeredMethod({ action: 'accept', content: {} })).toBe('elicitation/create');
    expect(answeredMethod({ roots: [] })).toBe('roots/list');
    expect(answeredMethod({ role: 'assistant', content: { type: 'text', text: 'x' } })).toBe(
      'sampling/createMessage',
    );
    expect(answeredMethod('x')).toBeUndefined();
  });
});
