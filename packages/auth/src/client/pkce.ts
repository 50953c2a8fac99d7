import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 S256: a 43-character verifier (256 random bits) and its SHA-256 challenge. */
export function createPkce(): { verifier: string; challenge: string; method: 'S256' } {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge, method: 'S256' };
}

export function randomState(): string {
  return randomBytes(16).toString('base64url');
}
