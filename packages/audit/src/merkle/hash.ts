import { createHash, hash } from 'node:crypto';

/**
 * RFC 9162 §2.1.1 hashing: SHA-256 with domain separation, so a leaf can never be passed off as
 * an interior node (second-preimage resistance of the tree).
 */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT = createHash('sha256').digest();

// Every event adds a leaf and about one interior node on the write path: the one-shot crypto.hash
// (Node >= 20.12) over one joined buffer skips a Hash object and its update calls per hash.
const oneShot = typeof hash === 'function';

export function leafHash(data: Uint8Array): Buffer {
  if (oneShot) return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (oneShot) return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * The leaf of an audit event is its chain hash (32 bytes): that hash already commits to every
 * column, the body and the predecessor, so hashing it again as the leaf costs one short SHA-256
 * per event on the write path instead of re-hashing the whole record. docs/audit.md states it.
 */
export function eventLeaf(eventHashHex: string): Buffer {
  return leafHash(Buffer.from(eventHashHex, 'hex'));
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses a hex SHA-256 from a proof file; undefined when it is not one. */
export function hashFromHex(s: unknown): Buffer | undefined {
  return typeof s === 'string' && HEX64.test(s) ? Buffer.from(s, 'hex') : undefined;
}
