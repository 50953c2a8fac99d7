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

/**
 * Chains that can no longer answer for their open calls: earlier epochs of this replica (it
 * restarted) and other replicas' chains silent for longer than `deadAfterMs`. Chains already
 * recovered are skipped, so each dead chain is scanned once.
 */
async function deadChains(
  sql: SqlClient,
  me: string,
  replicaId: string,
  deadAfterMs: number,
): Promise<string[]> {
  const cutoff = new Date(Date.now() - deadAfterMs).toISOString();
  const r = await sql.query<{ chain_id: string }>(
    `SELECT w.chain_id FROM audit_writers w
     WHERE w.chain_id <> $1
       AND NOT EXISTS (SELECT 1 FROM events x WHERE x.type = $4 AND x.target = w.chain_id)
       AND (w.replica_id = $2
            OR NOT EXISTS (SELECT 1 FROM events y WHERE y.chain_id = w.chain_id AND y.ts > $3))`,
    [me, replicaId, cutoff, EVENT_TYPES.writerRecovered],
  );
  return r.rows.map((x) => x.chain_id);
}

async function openCalls(sql: SqlClient, chainId: string): Promise<OpenCall[]> {
  const r = await sql.query<OpenCall>(
    `SELECT r.chain_id, r.seq, r.correlation_id, r.session_id, r.subject, r.groups, r.method, r.upstream,
            r.target, r.decision
     FROM events r
     WHERE r.chain_id = $1 AND r.type = $2
       AND NOT EXISTS (SELECT 1 FROM events x WHERE x.correlation_id = r.correlation_id AND x.type IN ($3, $4))
     ORDER BY r.seq`,
    [chainId, EVENT_TYPES.callRequest, EVENT_TYPES.callResponse, EVENT_TYPES.callUnknown],
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
  for (const chain of await deadChains(sql, me, replicaId, deadAfterMs)) {
    const calls = await openCalls(sql, chain);
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
      body: { chain, openCalls: calls.length },
    });
  }
  return out;
}
