import { hostname } from 'node:os';
import type { SqlClient } from '@mcpgate/core';

export interface WriterIdentity {
  readonly chainId: string;
  readonly replicaId: string;
  readonly epoch: number;
  readonly startedAt: Date;
}

/**
 * Registers a new writer: the next epoch of this replica. The per-replica advisory lock plus the
 * (replica_id, epoch) uniqueness make two processes claiming the same replica id get distinct epochs.
 */
export async function registerWriter(
  sql: SqlClient,
  replicaId: string,
  publicKey: string,
  version: string | undefined,
): Promise<WriterIdentity> {
  const startedAt = new Date();
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mcpgate.writer:${replicaId}`]);
    const r = await tx.query<{ epoch: number | null }>(
      'SELECT max(epoch) AS epoch FROM audit_writers WHERE replica_id = $1',
      [replicaId],
    );
    const epoch = (r.rows[0]?.epoch ?? 0) + 1;
    const chainId = `${replicaId}:${epoch}`;
    await tx.query(
      `INSERT INTO audit_writers (chain_id, replica_id, epoch, started_at, public_key, host, pid, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        chainId,
        replicaId,
        epoch,
        startedAt.toISOString(),
        publicKey,
        hostname(),
        process.pid,
        version ?? null,
      ],
    );
    return { chainId, replicaId, epoch, startedAt };
  });
}
