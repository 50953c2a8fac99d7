import { randomFillSync } from 'node:crypto';

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
  const at = takeRandom();
  let out = time.join('');
  // 80 bits → 16 base32 chars, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (let i = at; i < at + ID_RANDOM_BYTES; i++) {
    acc = (acc << 8) | POOL[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31]!;
    }
  }
  return prefix + out;
}

const ID_RANDOM_BYTES = 10;
/**
 * Every call gets an id: one randomBytes(10) per id cost a Buffer and a trip into the CSPRNG each
 * time. The bytes come from the same CSPRNG, drawn 4 KiB at a time; each byte is used once.
 */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

function takeRandom(): number {
  if (poolAt + ID_RANDOM_BYTES > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += ID_RANDOM_BYTES;
  return at;
}

export function newCorrelationId(): string {
  return newId('c_');
}
