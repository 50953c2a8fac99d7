import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { canonicalJson, GatewayError } from '@mcpgate/core';

/** The Ed25519 key a writer signs checkpoints with. It never goes into the database. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  /** Base64 of the SPKI DER encoding; recorded in checkpoints and the writer registry. */
  readonly publicKey: string;
}

export function signingKeyFromPem(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new GatewayError('internal', 'audit signing key is not a valid PEM private key', { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new GatewayError(
      'internal',
      `audit signing key must be Ed25519, got ${privateKey.asymmetricKeyType ?? 'unknown'}`,
    );
  return { privateKey, publicKey: publicKeyBase64(createPublicKey(privateKey)) };
}

export function generateSigningKey(): { key: SigningKey; pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { key: signingKeyFromPem(pem), pem };
}

/**
 * Reads the key file, or creates one (mode 0600) on first run. `created` tells the caller to log
 * where it is: an operator must back it up and keep it away from the database.
 */
export function loadOrCreateSigningKey(file: string): { key: SigningKey; file: string; created: boolean } {
  const path = resolve(file);
  if (existsSync(path))
    return { key: signingKeyFromPem(readFileSync(path, 'utf8')), file: path, created: false };
  const { key, pem } = generateSigningKey();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, file: path, created: true };
}

export function publicKeyBase64(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}

export function publicKeyFromBase64(b64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
}

/**
 * What a checkpoint signs. docs/audit.md: canonical JSON of {v: 1, chain, seq, hash, ts, final},
 * or — when it carries a Merkle root — {v: 2, chain, seq, hash, root, ts, final}.
 */
export interface CheckpointClaim {
  readonly chain_id: string;
  readonly seq: number;
  readonly hash: string;
  readonly ts: Date;
  readonly final: boolean;
  /** RFC 9162 root of the tree over the chain's records 1..seq (hex); absent in v1 checkpoints. */
  readonly root_hash?: string | null | undefined;
}

export function checkpointMessage(c: CheckpointClaim): string {
  const base = { chain: c.chain_id, seq: c.seq, hash: c.hash, ts: c.ts.toISOString(), final: c.final };
  return canonicalJson(c.root_hash ? { v: 2, ...base, root: c.root_hash } : { v: 1, ...base });
}

export function signCheckpoint(c: CheckpointClaim, key: SigningKey): string {
  return sign(null, Buffer.from(checkpointMessage(c)), key.privateKey).toString('base64');
}

export function verifyCheckpoint(c: CheckpointClaim, publicKey: string, signature: string): boolean {
  try {
    return verify(
      null,
      Buffer.from(checkpointMessage(c)),
      publicKeyFromBase64(publicKey),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}
