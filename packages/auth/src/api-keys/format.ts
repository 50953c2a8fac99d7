import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '@mcpgate/core';

/**
 * `mcpg_<id>_<secret>`: the id (64 random bits, hex) is a lookup handle and may appear in logs
 * and audit rows; the secret (256 random bits, hex) is shown once and stored only as a hash.
 */
export const API_KEY_PREFIX = 'mcpg_';
const KEY_RE = /^mcpg_([0-9a-f]{16})_([0-9a-f]{64})$/;

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

export function isApiKeyFormat(value: string): boolean {
  return value.startsWith(API_KEY_PREFIX);
}

export function parseApiKey(value: string): ParsedApiKey | undefined {
  const m = KEY_RE.exec(value);
  return m?.[1] !== undefined && m[2] !== undefined ? { id: m[1], secret: m[2] } : undefined;
}

export function generateApiKey(): { key: string; id: string; secret: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('hex');
  return { key: `${API_KEY_PREFIX}${id}_${secret}`, id, secret };
}

export function assertPepper(pepper: string | undefined): string {
  if (pepper === undefined || pepper.length < 32) {
    throw new GatewayError(
      'internal',
      'auth.apiKeys.pepper must be set to a secret of at least 32 characters to use API keys',
    );
  }
  return pepper;
}

/**
 * HMAC-SHA256(pepper, id ":" secret). The secret already carries 256 bits of entropy, so a slow
 * password hash (scrypt/argon2) buys nothing against guessing and would cost tens of milliseconds
 * and megabytes on every request — a denial-of-service lever. The pepper lives in config, not in
 * the database, so a leaked table alone cannot even test a guess. Binding the id stops one row's
 * hash from being valid under another id.
 */
export function hashApiKeySecret(pepper: string, id: string, secret: string): string {
  return createHmac('sha256', pepper).update(`${id}:${secret}`).digest('hex');
}

export function secretMatches(pepper: string, id: string, secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKeySecret(pepper, id, secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
