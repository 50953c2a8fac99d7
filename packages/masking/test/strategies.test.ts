import { describe, expect, it } from 'vitest';
import { hashReplacer, partial, redact, replacerFor } from '../src/strategies.js';

describe('strategies', () => {
  it('redact names the detector', () => {
    expect(redact('4242424242424242', 'card')).toBe('[REDACTED:card]');
  });

  it('partial keeps the last four of a card and the first letter + domain of an email', () => {
    expect(partial('4242 4242 4242 4242', 'card')).toBe('•••• 4242');
    expect(partial('jane.doe@example.com', 'email')).toBe('j***@example.com');
  });

  it('partial never reveals more than a quarter of a short value', () => {
    expect(partial('abc123', 'secret_pair')).toBe('•••• 3');
    expect(partial('abc', 'secret_pair')).toBe('••••');
  });

  it('hash is keyed, deterministic and truncated', () => {
    const a = hashReplacer('k'.repeat(32));
    const b = hashReplacer('other-key-other-key-other-key');
    const one = a('jane@example.com', 'email');
    expect(one).toMatch(/^\[HASH:email:[0-9a-f]{16}\]$/);
    expect(a('jane@example.com', 'email')).toBe(one);
    expect(a('john@example.com', 'email')).not.toBe(one);
    expect(b('jane@example.com', 'email')).not.toBe(one);
    expect(one).not.toContain('jane');
  });

  it('hash without a key is a configuration error', () => {
    expect(() => replacerFor('hash', {})).toThrow(/hashKey/);
  });
});
