import { eventLeaf } from './hash.js';
import { CompactTree } from './tree.js';

/**
 * Recomputes a chain's Merkle tree while the verifier walks it, to check each signed root. Only
 * possible for a walk from the chain's first record: a time window or a purge leaves the early
 * leaves unknown, and then signed roots are checked by their signature alone.
 */
export class RootCheck {
  private readonly tree = new CompactTree();
  private broken = false;
  checked = 0;

  /** Call with each record's recomputed hash, in seq order. */
  push(seq: number, hash: string): void {
    if (this.broken) return;
    if (seq !== this.tree.size + 1) {
      this.broken = true;
      return;
    }
    this.tree.push(eventLeaf(hash));
  }

  /** A problem description when the signed root does not match records 1..seq, else undefined. */
  mismatch(seq: number, signedRoot: string | null | undefined): string | undefined {
    if (!signedRoot || this.broken || this.tree.size !== seq) return undefined;
    const root = this.tree.root().toString('hex');
    if (root === signedRoot) {
      this.checked++;
      return undefined;
    }
    return `checkpoint at seq ${seq} signs Merkle root ${signedRoot.slice(0, 16)}…, the records 1..${seq} give ${root.slice(0, 16)}…`;
  }
}
