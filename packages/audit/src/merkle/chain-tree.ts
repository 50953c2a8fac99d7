import type { SqlQueryable } from '@mcpgate/core';
import { eventLeaf } from './hash.js';
import { CompactTree } from './tree.js';

/**
 * The Merkle tree of one writer's chain, kept incrementally as records commit (O(log n) memory),
 * so a checkpoint can sign the root of records 1..seq without reading them back. If it ever loses
 * step with the chain (a gap it cannot fill), it stops offering roots: checkpoints then fall back
 * to signing the head alone rather than signing a root that might be wrong.
 */
export class ChainTree {
  private readonly tree = new CompactTree();
  private broken = false;

  get size(): number {
    return this.tree.size;
  }

  append(rows: readonly { readonly seq: number; readonly hash: string }[]): void {
    for (const r of rows) {
      if (this.broken) return;
      if (r.seq !== this.tree.size + 1) {
        this.broken = true;
        return;
      }
      this.tree.push(eventLeaf(r.hash));
    }
  }

  /**
   * After a failed batch the head is re-read from the database (its commit may have landed):
   * read the hashes of whatever landed since, so the tree matches the chain again.
   */
  async catchUp(sql: SqlQueryable, chainId: string, headSeq: number): Promise<void> {
    while (!this.broken && this.tree.size < headSeq) {
      const r = await sql.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM events WHERE chain_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT 5000',
        [chainId, this.tree.size, headSeq],
      );
      if (r.rows.length === 0) this.broken = true;
      this.append(r.rows.map((x) => ({ seq: Number(x.seq), hash: x.hash })));
    }
  }

  /** Hex root over records 1..seq, when the tree is exactly there. */
  rootAt(seq: number): string | undefined {
    return !this.broken && this.tree.size === seq && seq > 0 ? this.tree.root().toString('hex') : undefined;
  }
}
