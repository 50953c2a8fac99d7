import { randomBytes } from 'node:crypto';

// Crockford base32 without I, L, O, U: easy to read aloud and to type from a Slack message.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `A-7K3M9Q`: 30 random bits; the store retries on the (rare) collision. */
export function newApprovalId(): string {
  const bytes = randomBytes(6);
  let out = 'A-';
  for (let i = 0; i < 6; i++) out += ALPHABET[bytes[i]! & 31]!;
  return out;
}

/** Accepts ids typed by hand: case-insensitive, surrounding spaces ignored. */
export function normalizeApprovalId(id: string): string {
  return id.trim().toUpperCase();
}

export function isApprovalId(id: string): boolean {
  return /^A-[0-9A-Z]{6,}$/.test(id);
}
