import { describe, expect, it } from 'vitest';
import { generateSealKeyPair, isSealedBlob, seal, unseal } from '../src/seal.js';

describe('sealed raw copies', () => {
  const pair = generateSealKeyPair();
  const payload = { result: { content: [{ type: 'text', text: 'card 4242 4242 4242 4242' }] } };

  it('opens with the right key only', () => {
    const blob = seal(payload, pair.publicKeyPem, 'corr-1');
    expect(isSealedBlob(blob)).toBe(true);
    expect(blob.kid).toBe(pair.kid);
    expect(JSON.stringify(blob)).not.toContain('4242');
    expect(unseal(JSON.parse(JSON.stringify(blob)), pair.privateKeyPem)).toEqual(payload);
    const other = generateSealKeyPair();
    expect(() => unseal(blob, other.privateKeyPem)).toThrow(/does not open this blob/);
  });

  it('detects tampering with the ciphertext or the bound context', () => {
    const blob = seal(payload, pair.publicKeyPem, 'corr-1');
    const ct = Buffer.from(blob.ct, 'base64url');
    ct[0] = ct[0]! ^ 1;
    expect(() => unseal({ ...blob, ct: ct.toString('base64url') }, pair.privateKeyPem)).toThrow(
      /authentication/,
    );
    expect(() => unseal({ ...blob, context: 'corr-2' }, pair.privateKeyPem)).toThrow(/authentication/);
  });

  it('uses a fresh ephemeral key each time', () => {
    const a = seal(payload, pair.publicKeyPem);
    const b = seal(payload, pair.publicKeyPem);
    expect(a.epk).not.toBe(b.epk);
    expect(a.ct).not.toBe(b.ct);
  });

  it('refuses a non-X25519 key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => seal(payload, ed)).toThrow(/X25519/);
  });
});
