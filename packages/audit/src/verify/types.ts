import type { EventRow } from '../chain/event.js';

export interface CheckpointRecord {
  readonly chain_id: string;
  readonly seq: number;
  readonly hash: string;
  readonly ts: Date;
  readonly final: boolean;
  readonly public_key: string;
  readonly signature: string;
  /** Merkle root over records 1..seq (hex); absent or null in checkpoints made before roots existed. */
  readonly root_hash?: string | null;
}

export interface WriterRecord {
  readonly chain_id: string;
  readonly replica_id: string;
  readonly epoch: number;
  readonly started_at: Date;
  readonly public_key: string;
}

/** The signed anchor a purge leaves: the checkpoint the purge cut at. */
export interface PurgeRecord {
  readonly chain_id: string;
  readonly through_seq: number;
  readonly through_hash: string;
  readonly checkpoint_ts: Date;
  readonly checkpoint_final: boolean;
  readonly public_key: string;
  readonly signature: string;
  readonly purged_at: Date;
  readonly purged_by: string;
  readonly events_deleted: number;
  /** The cut checkpoint's Merkle root, when it had one (part of what its signature covers). */
  readonly checkpoint_root_hash?: string | null;
}

/** Which part of one chain is being verified. */
export interface ChainRange {
  readonly chain_id: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  /** The range starts mid-chain (time window): the first record's link to its predecessor is not checked. */
  readonly partialStart: boolean;
  /** The range ends before the chain's end (time window with `to`): no tail-truncation check. */
  readonly partialEnd: boolean;
  /** For a partial start: the stored hash of the record just before `fromSeq`, when known. */
  readonly prevHash?: string;
}

export type ProblemKind = 'modified' | 'missing' | 'reordered' | 'truncated' | 'bad_signature';

export interface VerifyProblem {
  readonly chain: string;
  readonly seq: number;
  readonly kind: ProblemKind;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly chains: number;
  readonly checkpoints: number;
  /** In the order found: chains in id order, records in sequence order. The first is the first bad record. */
  readonly problems: readonly VerifyProblem[];
  /** Not failures: e.g. records after a live writer's last checkpoint, not signed yet. */
  readonly warnings: readonly string[];
  /** Every public key that signed a verified checkpoint (compare with the keys you trust). */
  readonly publicKeys: readonly string[];
  /** Signed Merkle roots recomputed from the records and found equal (chains walked from their start). */
  readonly merkleRoots?: number;
}

export interface VerifyInput {
  readonly ranges: readonly ChainRange[];
  readonly writers: readonly WriterRecord[];
  readonly checkpoints: readonly CheckpointRecord[];
  readonly purges: readonly PurgeRecord[];
  /** Events of the ranges, each chain in ascending seq order (chains may interleave). */
  readonly events: AsyncIterable<EventRow>;
  /** If set, checkpoints must be signed by one of these keys (base64 SPKI). */
  readonly trustedKeys?: readonly string[];
  readonly onProgress?: (eventsDone: number) => void;
}
