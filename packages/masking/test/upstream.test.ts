import { describe, expect, it } from 'vitest';
import { newUpstreamNotes, type UpstreamMessage } from '@mcpgate/core';
import { createMaskingStep } from '../src/step.js';
import { Masker } from '../src/masker.js';

const TOKEN = 'ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8';
const masker = new Masker({});
const step = createMaskingStep(masker);

function msg(
  kind: UpstreamMessage['kind'],
  method: string,
  params: Record<string, unknown>,
): UpstreamMessage {
  return { kind, method, upstream: 'up', params, notes: newUpstreamNotes() };
}

describe('masking on the upstream side', () => {
  it('masks log data, progress text, sampling messages and elicitation text toward the client', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['notifications/message', { level: 'info', data: { line: `t=${TOKEN}` } }, 'params.data.line'],
      ['notifications/progress', { progress: 1, message: `t=${TOKEN}` }, 'params.message'],
      ['elicitation/create', { message: `t=${TOKEN}`, requestedSchema: {} }, 'params.message'],
      [
        'sampling/createMessage',
        { messages: [{ role: 'user', content: { type: 'text', text: `t=${TOKEN}` } }], maxTokens: 5 },
        'params.messages[0].content.text',
      ],
      ['sampling/createMessage', { messages: [], systemPrompt: `t=${TOKEN}` }, 'params.systemPrompt'],
    ];
    for (const [method, params, path] of cases) {
      const m = msg(
        method === 'notifications/message' || method === 'notifications/progress'
          ? 'notification'
          : 'request',
        method,
        params,
      );
      const v = await step.onUpstream!(m);
      expect(v.kind, method).toBe('mutate');
      const out = JSON.stringify(v.kind === 'mutate' ? v.params : null);
      expect(out).not.toContain(TOKEN);
      expect(out).toContain('[REDACTED:github_token]');
      expect(m.notes.masking.map((e) => [e.detector, e.path])).toEqual([['github_token', path]]);
    }
  });

  it("leaves the client's answer intact for the upstream and masks the audit copy", async () => {
    const answer = { action: 'accept', content: { note: `t=${TOKEN}` } };
    const m = msg('answer', 'elicitation/create', answer);
    expect(await step.onUpstream!(m)).toEqual({ kind: 'continue' });
    expect(m.params).toBe(answer);
    expect(JSON.stringify(m.notes.auditPayload)).toContain('[REDACTED:github_token]');
    expect(JSON.stringify(m.notes.auditPayload)).not.toContain(TOKEN);
  });

  it('does not touch fields that only address or describe', async () => {
    const m = msg('notification', 'notifications/resources/updated', { uri: `file:///x/${TOKEN}` });
    expect(await step.onUpstream!(m)).toEqual({ kind: 'continue' });
  });
});
