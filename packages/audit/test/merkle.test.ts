import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash } from '../src/merkle/hash.js';
import {
  CompactTree,
  consistencyRanges,
  inclusionRanges,
  RangeHasher,
  type LeafRange,
} from '../src/merkle/tree.js';
import { verifyConsistency, verifyInclusion } from '../src/merkle/verify.js';

// The RFC 6962 / RFC 9162 reference vectors (Certificate Transparency's test data).
const DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const LEAVES = DATA.map(leafHash);
const hex = (b: Buffer): string => b.toString('hex');

/** The RFC's recursive definition, written independently of the code under test. */
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function rootOf(leaves: readonly Buffer[]): Buffer {
  const t = new CompactTree();
  for (const l of leaves) t.push(l);
  return t.root();
}

/** Hashes of the ranges, computed by the streaming hasher over the leaves. */
function hashes(ranges: readonly LeafRange[], leaves: readonly Buffer[]): Buffer[] {
  const h = new RangeHasher(ranges);
  leaves.forEach((l, i) => h.push(i, l));
  return ranges.map((r) => h.get(r));
}

describe('Merkle tree (RFC 9162 §2.1)', () => {
  it('matches the reference roots for every size 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(hex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
  });

  it('produces the reference inclusion proofs', () => {
    expect(hashes(inclusionRanges(0, 8), LEAVES).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hashes(inclusionRanges(5, 8), LEAVES).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('produces the reference consistency proofs', () => {
    expect(hashes(consistencyRanges(1, 8), LEAVES).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hashes(consistencyRanges(6, 8), LEAVES).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(hashes(consistencyRanges(2, 5), LEAVES).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
  });

  // Ragged sizes exercise every branch of the recursions, not just powers of two.
  const many = Array.from({ length: 37 }, (_, i) => leafHash(Buffer.from([i, i * 7])));

  it('every inclusion proof verifies in every tree size; a wrong leaf, index, root or path fails', () => {
    for (let n = 1; n <= many.length; n++) {
      const leaves = many.slice(0, n);
      const root = rootOf(leaves);
      expect(root.equals(mth(leaves))).toBe(true);
      for (let m = 0; m < n; m++) {
        const path = hashes(inclusionRanges(m, n), leaves);
        expect(verifyInclusion(m, n, leaves[m]!, path, root), `leaf ${m} of ${n}`).toBe(true);
        const other = leaves[(m + 1) % n]!;
        if (n > 1) expect(verifyInclusion(m, n, other, path, root)).toBe(false);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, leaves[m]!, path, root)).toBe(false);
        expect(verifyInclusion(m, n, leaves[m]!, path, leafHash(Buffer.from('x')))).toBe(false);
        if (path.length > 0) expect(verifyInclusion(m, n, leaves[m]!, path.slice(1), root)).toBe(false);
      }
    }
  });

  it('every consistency proof verifies; a different old or new root fails', () => {
    for (let n = 1; n <= many.length; n++) {
      const newRoot = rootOf(many.slice(0, n));
      for (let m = 1; m <= n; m++) {
        const oldRoot = rootOf(many.slice(0, m));
        const proof = hashes(consistencyRanges(m, n), many.slice(0, n));
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof), `${m} → ${n}`).toBe(true);
        const forged = leafHash(Buffer.from('forged'));
        expect(verifyConsistency(m, n, forged, newRoot, proof)).toBe(false);
        if (m < n) {
          expect(verifyConsistency(m, n, oldRoot, forged, proof)).toBe(false);
        }
      }
    }
  });

  it('a rewritten history is not consistent with the tree it replaced', () => {
    const rewritten = [...many.slice(0, 20)];
    rewritten[3] = leafHash(Buffer.from('rewritten'));
    const oldRoot = rootOf(many.slice(0, 10));
    const proof = hashes(consistencyRanges(10, 20), rewritten);
    expect(verifyConsistency(10, 20, oldRoot, rootOf(rewritten), proof)).toBe(false);
  });
});
