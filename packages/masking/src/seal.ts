import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { GatewayError } from '@mcpgate/core';

/**
 * A sealed raw payload: hybrid encryption to an operator's X25519 public key.
 *   ephemeral X25519 key pair → ECDH with the recipient key → HKDF-SHA256 (salt = ephemeral
 *   public ‖ recipient public, info = "mcpgate-seal-v1") → AES-256-GCM key; a fresh 96-bit IV.
 * The clear header (v, alg, kid, epk, context) is the GCM additional data, so none of it can be
 * swapped without failing authentication. Everything is base64url; the blob is plain JSON.
 */
export interface SealedBlob {
  readonly v: 1;
  readonly alg: 'X25519-HKDF-SHA256-A256GCM';
  /** First 16 hex of SHA-256 over the recipient's raw public key: which key opens this. */
  readonly kid: string;
  /** Ephemeral public key, raw 32 bytes. */
  readonly epk: string;
  /** What the blob belongs to (e.g. the call's correlation id); bound as additional data. */
  readonly context: string;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

const ALG = 'X25519-HKDF-SHA256-A256GCM';
const INFO = Buffer.from('mcpgate-seal-v1');

function rawPublic(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'X25519' || typeof jwk.x !== 'string')
    throw new GatewayError('internal', 'sealing key is not an X25519 key');
  return Buffer.from(jwk.x, 'base64url');
}

function publicFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function sealKeyId(publicKeyPem: string): string {
  return createHash('sha256')
    .update(rawPublic(createPublicKey(publicKeyPem)))
    .digest('hex')
    .slice(0, 16);
}

function aad(b: Pick<SealedBlob, 'v' | 'alg' | 'kid' | 'epk' | 'context'>): Buffer {
  return Buffer.from(JSON.stringify([b.v, b.alg, b.kid, b.epk, b.context]));
}

function deriveKey(shared: Buffer, epk: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), INFO, 32));
}

/** Encrypts a JSON-serializable payload to the holder of the matching private key. */
export function seal(payload: unknown, publicKeyPem: string, context = ''): SealedBlob {
  const recipientKey = createPublicKey(publicKeyPem);
  const recipient = rawPublic(recipientKey);
  const eph = generateKeyPairSync('x25519');
  const epk = rawPublic(eph.publicKey);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipientKey });
  const key = deriveKey(shared, epk, recipient);
  const header = {
    v: 1 as const,
    alg: ALG as typeof ALG,
    kid: createHash('sha256').update(recipient).digest('hex').slice(0, 16),
    epk: epk.toString('base64url'),
    context,
  };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(header));
  const ct = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return {
    ...header,
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

/** Opens a blob with the private key; fails (GatewayError `forbidden`) on a wrong key or any tampering. */
export function unseal(blob: SealedBlob, privateKeyPem: string): unknown {
  if (blob?.v !== 1 || blob.alg !== ALG)
    throw new GatewayError('invalid_params', 'not a sealed blob of a known version');
  const priv = createPrivateKey(privateKeyPem);
  const recipient = rawPublic(createPublicKey(priv));
  const kid = createHash('sha256').update(recipient).digest('hex').slice(0, 16);
  if (kid !== blob.kid)
    throw new GatewayError(
      'forbidden',
      `this key (kid ${kid}) does not open this blob (sealed to kid ${blob.kid})`,
    );
  const epk = Buffer.from(blob.epk, 'base64url');
  const shared = diffieHellman({ privateKey: priv, publicKey: publicFromRaw(epk) });
  const key = deriveKey(shared, epk, recipient);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.iv, 'base64url'));
    decipher.setAAD(aad(blob));
    decipher.setAuthTag(Buffer.from(blob.tag, 'base64url'));
    const clear = Buffer.concat([decipher.update(Buffer.from(blob.ct, 'base64url')), decipher.final()]);
    return JSON.parse(clear.toString('utf8'));
  } catch (err) {
    throw new GatewayError('forbidden', 'sealed blob failed authentication (wrong key or tampered)', {
      cause: err,
    });
  }
}

export interface SealKeyPair {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
  readonly kid: string;
}

/** A fresh X25519 key pair for sealing; keep the private half off the gateway. */
export function generateSealKeyPair(): SealKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return {
    publicKeyPem,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    kid: sealKeyId(publicKeyPem),
  };
}

export function isSealedBlob(v: unknown): v is SealedBlob {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return (
    b.v === 1 &&
    b.alg === ALG &&
    ['kid', 'epk', 'iv', 'ct', 'tag', 'context'].every((k) => typeof b[k] === 'string')
  );
}
