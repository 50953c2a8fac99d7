import { EMPTY_ROOT, nodeHash } from './hash.js';

/** A half-open leaf range [start, end) whose subtree hash a proof carries. */
export type LeafRange = readonly [start: number, end: number];

/** The largest power of two strictly smaller than n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * An append-only Merkle tree kept as its compact range: the roots of the perfect subtrees that
 * make up the leaves so far (at most log2(n) hashes), enough to compute the RFC 9162 root of the
 * whole tree at any size without keeping the leaves.
 */
export class CompactTree {
  /** Perfect-subtree roots, largest (leftmost) first; `sizes[i]` is the leaf count of `roots[i]`. */
  private readonly roots: Buffer[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    let hash = leaf;
    let size = 1;
    // Merge equal-sized neighbours, like carrying in binary addition.
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      hash = nodeHash(this.roots.pop()!, hash);
      size *= 2;
    }
    this.roots.push(hash);
    this.sizes.push(size);
    this.count++;
  }

  /** MTH of every leaf pushed so far: the subtrees folded right to left (RFC 9162 §2.1.1). */
  root(): Buffer {
    if (this.roots.length === 0) return EMPTY_ROOT;
    let r = this.roots[this.roots.length - 1]!;
    for (let i = this.roots.length - 2; i >= 0; i--) r = nodeHash(this.roots[i]!, r);
    return r;
  }
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]): the subtrees whose hashes prove leaf m, bottom first. */
export function inclusionRanges(m: number, size: number): LeafRange[] {
  if (!Number.isInteger(m) || m < 0 || m >= size)
    throw new RangeError(`leaf ${m} is not in a tree of ${size}`);
  const out: LeafRange[] = [];
  const walk = (idx: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (idx < k) {
      walk(idx, lo, lo + k);
      out.push([lo + k, hi]);
    } else {
      walk(idx - k, lo + k, hi);
      out.push([lo, lo + k]);
    }
  };
  walk(m, 0, size);
  return out;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true): subtrees proving D[0:m] is a prefix of D[0:n]. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || m > n)
    throw new RangeError(`no consistency proof from size ${m} to size ${n}`);
  const out: LeafRange[] = [];
  const sub = (mm: number, lo: number, hi: number, whole: boolean): void => {
    const len = hi - lo;
    if (mm === len) {
      if (!whole) out.push([lo, hi]);
      return;
    }
    const k = splitPoint(len);
    if (mm <= k) {
      sub(mm, lo, lo + k, whole);
      out.push([lo + k, hi]);
    } else {
      sub(mm - k, lo + k, hi, false);
      out.push([lo, lo + k]);
    }
  };
  sub(m, 0, n, true);
  return out;
}

/**
 * Computes the subtree hashes of many ranges in one ordered pass over the leaves, keeping only a
 * compact tree per range that is open at the current leaf: constant memory in the tree's size.
 */
export class RangeHasher {
  private readonly pending: LeafRange[];
  private readonly open: Array<{ range: LeafRange; tree: CompactTree }> = [];
  private readonly done = new Map<string, Buffer>();
  private next = 0;

  constructor(ranges: readonly LeafRange[]) {
    const unique = new Map(ranges.map((r) => [key(r), r]));
    this.pending = [...unique.values()].sort((a, b) => a[0] - b[0]);
  }

  /** Leaves must arrive in index order 0, 1, 2… */
  push(index: number, leaf: Buffer): void {
    while (this.next < this.pending.length && this.pending[this.next]![0] <= index) {
      const range = this.pending[this.next++]!;
      if (range[0] === index) this.open.push({ range, tree: new CompactTree() });
    }
    for (let i = this.open.length - 1; i >= 0; i--) {
      const o = this.open[i]!;
      o.tree.push(leaf);
      if (o.range[1] === index + 1) {
        this.done.set(key(o.range), o.tree.root());
        this.open.splice(i, 1);
      }
    }
  }

  /** The hash of a range, once its last leaf was pushed. */
  get(range: LeafRange): Buffer {
    const h = this.done.get(key(range));
    if (!h) throw new Error(`subtree [${range[0]}, ${range[1]}) was not completed`);
    return h;
  }
}

function key(r: LeafRange): string {
  return `${r[0]}-${r[1]}`;
}
