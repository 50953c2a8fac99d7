import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenSealer } from '../src/upstream/token-seal.js';

/** Envelope encryption of users' upstream tokens (auth.upstreamTokens.keyFile). */
describe('TokenSealer', () => {
  const key = randomBytes(32);
  const sealer = TokenSealer.fromKeyMaterial(key.toString('base64'), 'the key file');
  const grant = { accessToken: 'at-secret-value', refreshToken: 'rt-secret-value' };

  it('seals so that nothing of the tokens is readable, and opens for the same user and upstream', () => {
    const row = sealer.seal(grant, 'alice', 'tickets');
    const stored = JSON.stringify(row);
    expect(stored).not.toContain('at-secret-value');
    expect(stored).not.toContain('rt-secret-value');
    expect(sealer.open({ keyId: sealer.keyId, ...row }, 'alice', 'tickets')).toEqual(grant);
    // A fresh data key per row: the same grant never seals to the same text.
    expect(sealer.seal(grant, 'alice', 'tickets').sealed).not.toBe(row.sealed);
  });

  it('refuses a row moved to another user or upstream, a tampered row and another key', () => {
    const row = { keyId: sealer.keyId, ...sealer.seal(grant, 'alice', 'tickets') };
    expect(() => sealer.open(row, 'bob', 'tickets')).toThrow(/does not open with the configured key/);
    expect(() => sealer.open(row, 'alice', 'ledger')).toThrow(/does not open/);
    const parts = row.sealed.split('.');
    const ct = Buffer.from(parts[1]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    const tampered = { ...row, sealed: [parts[0], ct.toString('base64url'), parts[2]].join('.') };
    expect(() => sealer.open(tampered, 'alice', 'tickets')).toThrow(/does not open/);
    const other = TokenSealer.fromKeyMaterial(randomBytes(32).toString('hex'), 'another key');
    expect(() => other.open(row, 'alice', 'tickets')).toThrow(/sealed with key .* but the configured key is/);
  });

  it('reads base64, hex or raw 32-byte keys and explains anything else without quoting it', () => {
    expect(TokenSealer.fromKeyMaterial(key.toString('hex'), 'k').keyId).toBe(sealer.keyId);
    expect(TokenSealer.fromKeyMaterial(key, 'k').keyId).toBe(sealer.keyId);
    expect(() => TokenSealer.fromKeyMaterial('too-short-secret', '/etc/mcpgate/upstream.key')).toThrow(
      /\/etc\/mcpgate\/upstream\.key must hold a 256-bit key: 32 random bytes as base64/,
    );
    try {
      TokenSealer.fromKeyMaterial('too-short-secret', 'k');
    } catch (err) {
      expect(String(err)).not.toContain('too-short-secret');
    }
  });
});
