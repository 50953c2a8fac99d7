import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Time-ordered, URL-safe ids (ULID layout: 48-bit ms timestamp + 80 random bits, Crockford base32).
 * Sorting by id sorts by creation time, which keeps audit indexes append-friendly.
 */
export function newId(prefix = ''): string {
  let ts = Date.now();
  const time = new Array<string>(10);
  for (let i = 9; i >= 0; i--) {
    time[i] = ALPHABET[ts % 32]!;
    ts = Math.floor(ts / 32);
  }
  const rand = randomBytes(10);
  let out = time.join('');
  // 80 bits → 16 base32 chars, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (const byte of rand) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31]!;
    }
  }
  return prefix + out;
}

export function newCorrelationId(): string {
  return newId('c_');
}
