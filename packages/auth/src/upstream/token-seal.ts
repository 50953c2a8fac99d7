import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { GatewayError } from '@mcpgate/core';

/** AES-256-GCM: 12-byte IV, 16-byte tag, both stored with the ciphertext (`iv.ct.tag`, base64url). */
const ALG = 'aes-256-gcm';
const WRAP_CONTEXT = Buffer.from('mcpgate oauth data key v1');

/**
 * Envelope encryption of a user's upstream tokens: each row gets a fresh data key that encrypts the
 * tokens, bound to (subject, upstream) as associated data so a row copied under another user does
 * not open; the data key is itself encrypted ("wrapped") with the key-encryption key, which lives in
 * a file outside the database. Reading the database alone yields nothing usable; rotating the file
 * key only needs the data keys re-wrapped.
 */
export class TokenSealer {
  /** First 16 hex digits of SHA-256 of the key: names which file key wrapped a row, reveals nothing. */
  readonly keyId: string;

  private constructor(private readonly kek: Buffer) {
    this.keyId = createHash('sha256').update(kek).digest('hex').slice(0, 16);
  }

  /**
   * The key file holds 32 random bytes, base64 (`openssl rand -base64 32`), hex, or raw. `where`
   * names the file or config key for error messages; the key itself is never quoted.
   */
  static fromKeyMaterial(material: string | Buffer, where: string): TokenSealer {
    const text = Buffer.isBuffer(material) ? material.toString('utf8').trim() : material.trim();
    let key: Buffer | undefined;
    if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) key = Buffer.from(text, 'base64');
    else if (Buffer.isBuffer(material) && material.length === 32) key = material;
    if (key?.length !== 32) {
      throw new GatewayError(
        'invalid_params',
        `${where} must hold a 256-bit key: 32 random bytes as base64 (openssl rand -base64 32) or 64 hex digits`,
      );
    }
    return new TokenSealer(key);
  }

  seal(value: unknown, subject: string, upstream: string): { wrappedKey: string; sealed: string } {
    const dek = randomBytes(32);
    try {
      return {
        wrappedKey: encrypt(this.kek, dek, WRAP_CONTEXT),
        sealed: encrypt(dek, Buffer.from(JSON.stringify(value), 'utf8'), binding(subject, upstream)),
      };
    } finally {
      dek.fill(0);
    }
  }

  open(
    row: { keyId: string; wrappedKey: string; sealed: string },
    subject: string,
    upstream: string,
  ): unknown {
    if (row.keyId !== this.keyId) {
      throw new GatewayError(
        'internal',
        `the stored connection of "${subject}" to "${upstream}" was sealed with key ${row.keyId}, but the configured key is ${this.keyId}`,
      );
    }
    const dek = decrypt(this.kek, row.wrappedKey, WRAP_CONTEXT);
    try {
      return JSON.parse(decrypt(dek, row.sealed, binding(subject, upstream)).toString('utf8'));
    } finally {
      dek.fill(0);
    }
  }
}

function binding(subject: string, upstream: string): Buffer {
  return Buffer.from(`${upstream}\0${subject}`, 'utf8');
}

function encrypt(key: Buffer, plain: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALG, key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return [iv, ct, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

function decrypt(key: Buffer, text: string, aad: Buffer): Buffer {
  const [iv, ct, tag] = text.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !ct || !tag) throw new GatewayError('internal', 'a sealed OAuth connection is malformed');
  try {
    const decipher = createDecipheriv(ALG, key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new GatewayError('internal', 'a sealed OAuth connection does not open with the configured key');
  }
}
