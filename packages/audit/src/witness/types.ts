import type { SignedCheckpoint } from '../merkle/proof-file.js';

/** Somewhere outside the database that keeps a copy of every checkpoint as it is made. */
export interface Witness {
  /** For logs and metrics: `file`, `webhook`, `s3`. */
  readonly name: string;
  /** Stores one copy durably; rejects when it could not (the publisher retries). */
  publish(cp: SignedCheckpoint): Promise<void>;
}

/** A witness line / object: the signed checkpoint, tagged so a reader knows what it holds. */
export type WitnessCopy = SignedCheckpoint & { readonly kind: 'mcpgate.checkpoint' };

export function witnessCopy(cp: SignedCheckpoint): WitnessCopy {
  return { kind: 'mcpgate.checkpoint', ...cp };
}
