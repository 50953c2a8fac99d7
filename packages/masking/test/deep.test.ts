import { describe, expect, it } from 'vitest';
import { Masker } from '../src/masker.js';

/**
 * #11: the masking walk is bounded (64 levels), and what lies deeper must still be masked — a
 * secret must not escape by being nested deep enough. Before, both cases below passed through.
 */
const T = { upstream: 'crm', kind: 'tool', name: 'get_customer' } as const;
const EMAIL = 'jane.doe@example.com';
const wrap = (depth: number, inner: unknown): unknown => {
  let v = inner;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

describe('masking deeper than its walk', () => {
  const masker = new Masker({});

  it('masks a secret in a JSON document embedded in a string, nested 10,000 deep', () => {
    const doc = `${'['.repeat(10_000)}{"email":"${EMAIL}"}${']'.repeat(10_000)}`;
    const result = { content: [{ type: 'text', text: doc }] };
    const { value, changed } = masker.maskResult('tools/call', result, T);
    expect(changed).toBe(true);
    const text = (value as typeof result).content[0]!.text;
    expect(text).not.toContain(EMAIL);
    expect(text).toContain('[REDACTED:email]');
  });

  it('masks a secret in structured content nested past the walk (a raised maxJsonDepth)', () => {
    const result = { content: [], structuredContent: { deep: wrap(80, { note: `mail ${EMAIL}` }) } };
    const { value, changed } = masker.maskResult('tools/call', result, T);
    expect(changed).toBe(true);
    expect(JSON.stringify(value)).not.toContain(EMAIL);
  });
});
