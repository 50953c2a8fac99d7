import type { SqlClient } from '@mcpgate/core';
import type { EventInput } from '../chain/event.js';
import { EVENT_TYPES, OUTCOME_UNKNOWN_REASON } from './records.js';

interface OpenCall {
  chain_id: string;
  seq: number;
  correlation_id: string;
  session_id: string | null;
  subject: string | null;
  groups: string | null;
  method: string | null;
  upstream: string | null;
  target: string | null;
  decision: string | null;
}

interface DeadChain {
  chain_id: string;
  last_seq: number | null;
  recovered_through: number | null;
}

/**
 * Chains that can no longer answer for their open calls: earlier epochs of this replica (it
 * restarted) and other replicas' chains silent for longer than `deadAfterMs`. Each
 * `writer.recovered` event records how far a chain was recovered (`throughSeq`), so a chain is
 * scanned again only if it has grown since (a replica wrongly presumed dead that came back).
 */
async function deadChains(
  sql: SqlClient,
  me: string,
  replicaId: string,
  deadAfterMs: number,
): Promise<DeadChain[]> {
  const cutoff = new Date(Date.now() - deadAfterMs).toISOString();
  const r = await sql.query<DeadChain>(
    `SELECT chain_id, last_seq, recovered_through FROM (
       SELECT w.chain_id, w.replica_id, w.started_at,
              (SELECT y.seq FROM events y WHERE y.chain_id = w.chain_id ORDER BY y.seq DESC LIMIT 1) AS last_seq,
              (SELECT y.ts FROM events y WHERE y.chain_id = w.chain_id ORDER BY y.seq DESC LIMIT 1) AS last_ts,
              (SELECT max((x.body::jsonb ->> 'throughSeq')::bigint) FROM events x
                WHERE x.type = $4 AND x.target = w.chain_id) AS recovered_through
       FROM audit_writers w WHERE w.chain_id <> $1
     ) c
     WHERE (c.replica_id = $2 OR COALESCE(c.last_ts, c.started_at) < $3)
       AND COALESCE(c.last_seq, 0) > COALESCE(c.recovered_through, 0)
     ORDER BY chain_id`,
    [me, replicaId, cutoff, EVENT_TYPES.writerRecovered],
  );
  return r.rows;
}

async function openCalls(sql: SqlClient, chainId: string, afterSeq: number): Promise<OpenCall[]> {
  const r = await sql.query<OpenCall>(
    `SELECT r.chain_id, r.seq, r.correlation_id, r.session_id, r.subject, r.groups, r.method, r.upstream,
            r.target, r.decision
     FROM events r
     WHERE r.chain_id = $1 AND r.seq > $5 AND r.type = $2
       AND NOT EXISTS (SELECT 1 FROM events x WHERE x.correlation_id = r.correlation_id AND x.type IN ($3, $4))
     ORDER BY r.seq`,
    [chainId, EVENT_TYPES.callRequest, EVENT_TYPES.callResponse, EVENT_TYPES.callUnknown, afterSeq],
  );
  return r.rows;
}

/**
 * The events a starting writer appends for calls a dead writer recorded but never answered:
 * "outcome unknown (gateway stopped)" — never silently absent.
 */
export async function recoveryEvents(
  sql: SqlClient,
  me: string,
  replicaId: string,
  deadAfterMs: number,
): Promise<EventInput[]> {
  const out: EventInput[] = [];
  for (const dead of await deadChains(sql, me, replicaId, deadAfterMs)) {
    const chain = dead.chain_id;
    const calls = await openCalls(sql, chain, Number(dead.recovered_through ?? 0));
    for (const c of calls) {
      out.push({
        type: EVENT_TYPES.callUnknown,
        sessionId: c.session_id ?? undefined,
        correlationId: c.correlation_id,
        subject: c.subject ?? undefined,
        groups: c.groups ? (JSON.parse(c.groups) as string[]) : undefined,
        method: c.method ?? undefined,
        upstream: c.upstream ?? undefined,
        target: c.target ?? undefined,
        decision: c.decision ?? undefined,
        outcome: 'unknown',
        body: { reason: OUTCOME_UNKNOWN_REASON, request: { chain: c.chain_id, seq: Number(c.seq) } },
      });
    }
    out.push({
      type: EVENT_TYPES.writerRecovered,
      target: chain,
      body: { chain, throughSeq: Number(dead.last_seq ?? 0), openCalls: calls.length },
    });
  }
  return out;
}
