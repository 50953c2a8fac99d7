/**
 * Every figure in the evidence report comes from one of these queries, and the report prints each
 * query next to its figures so an assessor can re-run it. `$1` is the period's start (inclusive)
 * and `$2` its end (exclusive), both timestamptz. The SQL runs on PostgreSQL 15+ and PGlite.
 *
 * Lists end in an explicit LIMIT (what is shown is what was run); totals never do.
 */

export interface ChartSpec {
  readonly kind: 'bar' | 'stacked';
  /** Column for the categories (x axis). */
  readonly x: string;
  /** Columns plotted as series. */
  readonly y: readonly string[];
  /** Only the first N rows are plotted. */
  readonly top?: number;
}

export interface ReportQuery {
  readonly id: string;
  readonly title: string;
  /** What the figures mean, in a sentence. */
  readonly note?: string;
  readonly sql: string;
  readonly chart?: ChartSpec;
  /** A single row of totals, shown as label/value pairs rather than a table. */
  readonly single?: boolean;
}

export interface ReportSection {
  readonly id: string;
  readonly title: string;
  /** The SOC 2 trust services criteria the section gives evidence for. */
  readonly criteria: string;
  readonly queries: readonly ReportQuery[];
}

const IN_PERIOD = 'ts >= $1 AND ts < $2';
const inPeriod = (alias: string): string => `${alias}.ts >= $1 AND ${alias}.ts < $2`;
const CALLS = `type IN ('call.request', 'call.refused')`;
const DAY = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

/**
 * Every held call with its decisions and execution. The report shows the first 1 000; the pack's
 * held-calls.csv pages through all of them with the keyset form (`$3`, `$4`: the last row's
 * requested_at and approval_id).
 */
export function heldCallsSql(keyset = false, limit = 1000): string {
  return `WITH a AS (
  SELECT ts, type, subject, upstream, target, body::jsonb AS b
  FROM events
  WHERE ts >= $1 AND type LIKE 'approval.%'
), req AS (
  SELECT b ->> 'approvalId' AS approval_id, ts, subject, upstream, target FROM a
  WHERE type = 'approval.requested' AND ts < $2
), dec AS (
  SELECT b ->> 'approvalId' AS approval_id,
         string_agg(subject || ' ' || (b ->> 'decision'), ', ' ORDER BY ts) AS decisions,
         max(ts) AS decided_at
  FROM a WHERE type = 'approval.decision' GROUP BY 1
), ex AS (
  SELECT b ->> 'approvalId' AS approval_id, min(ts) AS executed_at,
         min(b ->> 'executingCorrelationId') AS executing_call
  FROM a WHERE type = 'approval.executed' GROUP BY 1
)
SELECT req.approval_id, req.ts AS requested_at, req.subject AS requester, req.upstream, req.target AS tool,
       dec.decisions, dec.decided_at, ex.executed_at,
       CASE WHEN ex.executed_at IS NULL THEN NULL
            ELSE EXISTS (SELECT 1 FROM events c
                         WHERE c.correlation_id = ex.executing_call AND c.type = 'call.request'
                           AND c.subject = req.subject AND c.upstream = req.upstream AND c.target = req.target
                           AND c.body::jsonb ->> 'approvalId' = req.approval_id) END AS executed_as_approved
FROM req
LEFT JOIN dec ON dec.approval_id = req.approval_id
LEFT JOIN ex ON ex.approval_id = req.approval_id${keyset ? '\nWHERE (req.ts, req.approval_id) > ($3::timestamptz, $4::text)' : ''}
ORDER BY req.ts, req.approval_id
LIMIT ${limit}`;
}

export const SECTIONS: readonly ReportSection[] = [
  {
    id: 'overview',
    title: 'Overview',
    criteria: 'Scope of the period: how much was recorded, by whom',
    queries: [
      {
        id: 'totals',
        title: 'Records in the period',
        single: true,
        note: 'Tool calls are forwarded calls (call.request) plus refused ones (call.refused); list calls the gateway answers itself are not counted.',
        sql: `SELECT count(*) AS records,
       count(DISTINCT chain_id) AS chains,
       count(*) FILTER (WHERE type = 'session.started') AS sessions,
       count(*) FILTER (WHERE ${CALLS}) AS tool_calls,
       count(*) FILTER (WHERE type = 'call.request') AS forwarded_calls,
       count(*) FILTER (WHERE type = 'call.refused') AS refused_calls,
       count(DISTINCT subject) FILTER (WHERE type = 'session.started' OR ${CALLS}) AS identities,
       min(ts) AS first_record,
       max(ts) AS last_record
FROM events
WHERE ${IN_PERIOD}`,
      },
      {
        id: 'calls_per_day',
        title: 'Tool calls per day',
        chart: { kind: 'stacked', x: 'day', y: ['forwarded', 'denied', 'refused_other'] },
        sql: `SELECT ${DAY} AS day,
       count(*) FILTER (WHERE type = 'call.request') AS forwarded,
       count(*) FILTER (WHERE type = 'call.refused' AND decision = 'deny') AS denied,
       count(*) FILTER (WHERE type = 'call.refused' AND decision IS DISTINCT FROM 'deny') AS refused_other
FROM events
WHERE ${IN_PERIOD} AND ${CALLS}
GROUP BY 1
ORDER BY 1`,
      },
    ],
  },
  {
    id: 'cc6',
    title: 'Security — logical access',
    criteria: 'CC6.1, CC6.2, CC6.3 (access granted, reviewed and removed); CC6.6, CC6.8 (access refused)',
    queries: [
      {
        id: 'identities',
        title: 'Identities that used the gateway',
        sql: `SELECT subject,
       count(*) FILTER (WHERE type = 'session.started') AS sessions,
       count(*) FILTER (WHERE ${CALLS}) AS tool_calls,
       count(*) FILTER (WHERE type = 'call.refused' AND decision = 'deny') AS denied,
       min(ts) AS first_seen,
       max(ts) AS last_seen
FROM events
WHERE ${IN_PERIOD} AND subject IS NOT NULL AND (type = 'session.started' OR ${CALLS})
GROUP BY subject
ORDER BY subject
LIMIT 500`,
      },
      {
        id: 'groups',
        title: 'Groups, by identities that started a session as a member',
        sql: `SELECT g AS group_name, count(DISTINCT e.subject) AS identities, count(*) AS sessions
FROM events e, jsonb_array_elements_text(e.groups::jsonb) AS g
WHERE ${inPeriod('e')} AND e.type = 'session.started' AND e.groups IS NOT NULL
GROUP BY g
ORDER BY g
LIMIT 500`,
      },
      {
        id: 'api_key_totals',
        title: 'API keys',
        single: true,
        sql: `SELECT count(*) FILTER (WHERE created_at >= $1 AND created_at < $2) AS created_in_period,
       count(*) FILTER (WHERE revoked_at >= $1 AND revoked_at < $2) AS revoked_in_period,
       count(*) FILTER (WHERE created_at < $2 AND (revoked_at IS NULL OR revoked_at >= $2)
                          AND (expires_at IS NULL OR expires_at >= $2)) AS active_at_end
FROM mcpgate_api_keys`,
      },
      {
        id: 'api_keys',
        title: 'API keys that existed during the period',
        sql: `SELECT name, id, created_at, created_by, revoked_at, expires_at
FROM mcpgate_api_keys
WHERE created_at < $2 AND (revoked_at IS NULL OR revoked_at >= $1)
ORDER BY created_at
LIMIT 1000`,
      },
      {
        id: 'grants',
        title: 'Just-in-time grants requested, with their reviewers',
        sql: `SELECT id, requester, upstream, tool, rule, status, created_at, decided_by, decided_at, expires_at, revoked_by
FROM mcpgate_grants
WHERE created_at >= $1 AND created_at < $2
ORDER BY created_at
LIMIT 1000`,
      },
      {
        id: 'denials_by_rule',
        title: 'Calls denied by policy, by rule',
        chart: { kind: 'bar', x: 'rule', y: ['denials'] },
        sql: `SELECT coalesce(body::jsonb -> 'request' -> 'decision' ->> 'rule', '(no rule)') AS rule,
       count(*) AS denials,
       count(DISTINCT subject) AS identities
FROM events
WHERE ${IN_PERIOD} AND type = 'call.refused' AND decision = 'deny'
GROUP BY 1
ORDER BY 2 DESC, 1`,
      },
      {
        id: 'auth_failures',
        title: 'Authentication failures, by reason',
        note: 'An aggregated security.auth_failed record stands for `count` attempts in its window; a plain one for one attempt.',
        sql: `SELECT coalesce(body::jsonb ->> 'reason', '(none)') AS reason,
       count(*) AS records,
       sum(coalesce((body::jsonb ->> 'count')::bigint, 1))::bigint AS attempts,
       count(DISTINCT body::jsonb ->> 'sourceIp') AS source_ips
FROM events
WHERE ${IN_PERIOD} AND type = 'security.auth_failed'
GROUP BY 1
ORDER BY 3 DESC, 1`,
      },
      {
        id: 'auth_failure_sources',
        title: 'Authentication failures, top sources',
        sql: `SELECT body::jsonb ->> 'sourceIp' AS source_ip,
       body::jsonb ->> 'userAgent' AS user_agent,
       sum(coalesce((body::jsonb ->> 'count')::bigint, 1))::bigint AS attempts,
       min(ts) AS first_seen,
       max(ts) AS last_seen
FROM events
WHERE ${IN_PERIOD} AND type = 'security.auth_failed'
GROUP BY 1, 2
ORDER BY 3 DESC, 1
LIMIT 20`,
      },
      {
        id: 'security_per_day',
        title: 'Authentication failures and session-hijack attempts per day',
        chart: { kind: 'bar', x: 'day', y: ['auth_failures', 'hijack_attempts'] },
        sql: `SELECT ${DAY} AS day,
       sum(coalesce((body::jsonb ->> 'count')::bigint, 1)) FILTER (WHERE type = 'security.auth_failed')::bigint AS auth_failures,
       sum(coalesce((body::jsonb ->> 'count')::bigint, 1)) FILTER (WHERE type = 'security.session_hijack')::bigint AS hijack_attempts
FROM events
WHERE ${IN_PERIOD} AND type IN ('security.auth_failed', 'security.session_hijack')
GROUP BY 1
ORDER BY 1`,
      },
      {
        id: 'hijack_attempts',
        title: 'Session-hijack attempts (a session id presented with another identity)',
        sql: `SELECT ts, session_id, subject AS presented_by,
       body::jsonb ->> 'sourceIp' AS source_ip,
       body::jsonb ->> 'userAgent' AS user_agent,
       body::jsonb ->> 'reason' AS reason,
       coalesce((body::jsonb ->> 'count')::bigint, 1) AS attempts
FROM events
WHERE ${IN_PERIOD} AND type = 'security.session_hijack'
ORDER BY ts
LIMIT 500`,
      },
    ],
  },
  {
    id: 'cc8',
    title: 'Change management',
    criteria: 'CC8.1 (changes authorized, tested, approved and implemented); CC3.4',
    queries: [
      {
        id: 'policy_versions',
        title: 'Policy versions in force (as recorded on each decision)',
        sql: `SELECT coalesce(b -> 'decision' ->> 'policyVersion', b -> 'request' -> 'decision' ->> 'policyVersion', '(unrecorded)') AS policy_version,
       min(ts) AS first_decision,
       max(ts) AS last_decision,
       count(*) AS decisions
FROM (SELECT ts, body::jsonb AS b FROM events WHERE ${IN_PERIOD} AND ${CALLS}) x
GROUP BY 1
ORDER BY 2`,
      },
      {
        id: 'gateway_versions',
        title: 'Gateway processes that recorded in the period, with their software version',
        sql: `SELECT w.replica_id, w.chain_id, w.version AS software_version, w.host, w.started_at,
       min(e.ts) AS first_record, max(e.ts) AS last_record, count(*) AS records
FROM audit_writers w
JOIN events e ON e.chain_id = w.chain_id
WHERE ${inPeriod('e')}
GROUP BY w.replica_id, w.chain_id, w.version, w.host, w.started_at
ORDER BY w.started_at
LIMIT 500`,
      },
      {
        id: 'pin_changes',
        title: 'Tool-definition changes and who approved them',
        note: 'approved_by is empty for a change nobody approved in the period (under pinning: block, the tool stayed hidden).',
        sql: `WITH p AS (
  SELECT ts, type, subject, upstream, target, body::jsonb AS b
  FROM events
  WHERE ${IN_PERIOD} AND type IN ('pin.new', 'pin.changed', 'pin.approved')
)
SELECT c.ts AS changed_at, c.type AS change, c.upstream, c.target AS tool,
       c.b ->> 'hash' AS new_hash, c.b ->> 'blocked' AS blocked,
       a.subject AS approved_by, a.ts AS approved_at
FROM p c
LEFT JOIN LATERAL (
  SELECT x.subject, x.ts FROM p x
  WHERE x.type = 'pin.approved' AND x.upstream = c.upstream AND x.target = c.target
    AND x.b ->> 'hash' = c.b ->> 'hash' AND x.ts >= c.ts
  ORDER BY x.ts LIMIT 1
) a ON true
WHERE c.type IN ('pin.new', 'pin.changed')
ORDER BY c.ts
LIMIT 1000`,
      },
    ],
  },
  {
    id: 'cc7',
    title: 'Monitoring',
    criteria: 'CC7.2, CC7.3 (anomalies detected and evaluated); A1.2 (availability)',
    queries: [
      {
        id: 'upstream_outages',
        title: 'Upstream outages (failed calls less than 15 minutes apart form one outage)',
        sql: `WITH f AS (
  SELECT upstream, ts, outcome FROM events
  WHERE ${IN_PERIOD} AND type IN ('call.response', 'call.refused')
    AND outcome IN ('upstream_unavailable', 'upstream_crashed', 'upstream_timeout')
), m AS (
  SELECT f.*, CASE WHEN lag(ts) OVER w IS NULL OR ts - lag(ts) OVER w > interval '15 minutes' THEN 1 ELSE 0 END AS starts
  FROM f WINDOW w AS (PARTITION BY upstream ORDER BY ts)
), g AS (
  SELECT m.*, sum(starts) OVER (PARTITION BY upstream ORDER BY ts) AS episode FROM m
)
SELECT upstream, min(ts) AS started, max(ts) AS ended, count(*) AS failed_calls,
       string_agg(DISTINCT outcome, ', ') AS outcomes
FROM g
GROUP BY upstream, episode
ORDER BY 2
LIMIT 500`,
      },
      {
        id: 'store_outages',
        title: 'Audit store outages, with the calls refused (fail-closed)',
        sql: `WITH f AS (
  SELECT ts FROM events
  WHERE ${IN_PERIOD} AND type = 'call.refused' AND outcome = 'audit_unavailable'
), m AS (
  SELECT ts, CASE WHEN lag(ts) OVER (ORDER BY ts) IS NULL
                   OR ts - lag(ts) OVER (ORDER BY ts) > interval '15 minutes' THEN 1 ELSE 0 END AS starts
  FROM f
), g AS (
  SELECT ts, sum(starts) OVER (ORDER BY ts) AS episode FROM m
)
SELECT min(ts) AS started, max(ts) AS ended, count(*) AS calls_refused
FROM g
GROUP BY episode
ORDER BY 1
LIMIT 500`,
      },
      {
        id: 'rate_limits',
        title: 'Rate-limit hits, by identity',
        sql: `SELECT subject, count(*) AS hits, min(ts) AS first_hit, max(ts) AS last_hit
FROM events
WHERE ${IN_PERIOD} AND type = 'call.refused' AND outcome = 'rate_limited'
GROUP BY subject
ORDER BY 2 DESC, 1
LIMIT 500`,
      },
      {
        id: 'calls_per_identity',
        title: 'Calls per identity (an outlier is more than 2 standard deviations above the mean)',
        chart: { kind: 'bar', x: 'subject', y: ['tool_calls'], top: 20 },
        sql: `WITH per AS (
  SELECT subject, count(*) AS tool_calls FROM events
  WHERE ${IN_PERIOD} AND ${CALLS} AND subject IS NOT NULL
  GROUP BY subject
), s AS (
  SELECT avg(tool_calls) AS mean, stddev_pop(tool_calls) AS sd FROM per
)
SELECT subject, tool_calls,
       round(((tool_calls - mean) / nullif(sd, 0))::numeric, 2)::float8 AS z_score,
       coalesce(tool_calls > mean + 2 * sd, false) AS outlier
FROM per, s
ORDER BY tool_calls DESC, subject
LIMIT 50`,
      },
    ],
  },
  {
    id: 'pi',
    title: 'Processing integrity',
    criteria: 'PI1.2, PI1.3, PI1.4 (inputs recorded, processing complete and accurate); CC7.1',
    queries: [
      {
        id: 'write_ahead',
        title: 'Write-ahead coverage: every forwarded call has its request record',
        single: true,
        note: 'A response is only written for a call that was forwarded; its request record must exist (committed before forwarding). Fail-open calls are recorded late and counted apart.',
        sql: `SELECT count(*) AS forwarded_calls_answered,
       count(*) FILTER (WHERE NOT EXISTS (
         SELECT 1 FROM events r WHERE r.correlation_id = x.correlation_id AND r.type = 'call.request'
       )) AS without_request_record,
       count(*) FILTER (WHERE position('"auditFailOpen"' in x.body) > 0) AS fail_open_late_records
FROM events x
WHERE ${inPeriod('x')} AND x.type = 'call.response'`,
      },
      {
        id: 'outcome_unknown',
        title: '"Outcome unknown" calls',
        single: true,
        note: 'marked_outcome_unknown: calls a stopped gateway left open, marked at restart. open_requests: request records with neither response nor mark (calls in flight at the end of the period, or a gateway not yet restarted).',
        sql: `SELECT count(*) FILTER (WHERE type = 'call.unknown') AS marked_outcome_unknown,
       count(*) FILTER (WHERE type = 'call.request' AND NOT EXISTS (
         SELECT 1 FROM events o WHERE o.correlation_id = r.correlation_id AND o.type IN ('call.response', 'call.unknown')
       )) AS open_requests
FROM events r
WHERE ${inPeriod('r')} AND r.type IN ('call.request', 'call.unknown')`,
      },
      {
        id: 'checkpoint_coverage',
        title: 'Checkpoint coverage: records of the period under a signed checkpoint',
        sql: `SELECT e.chain_id, count(*) AS records,
       count(*) FILTER (WHERE e.seq <= c.last_seq) AS signed,
       max(c.last_seq) AS last_checkpoint_seq
FROM events e
LEFT JOIN (SELECT chain_id, max(seq) AS last_seq FROM checkpoints GROUP BY chain_id) c ON c.chain_id = e.chain_id
WHERE ${inPeriod('e')}
GROUP BY e.chain_id
ORDER BY e.chain_id
LIMIT 500`,
      },
      {
        id: 'signer_keys',
        title: 'Keys that signed checkpoints of the chains in the period',
        sql: `SELECT public_key, count(*) AS checkpoints, min(ts) AS first_signed, max(ts) AS last_signed
FROM checkpoints
WHERE chain_id IN (SELECT DISTINCT chain_id FROM events WHERE ${IN_PERIOD})
GROUP BY public_key
ORDER BY 3`,
      },
    ],
  },
  {
    id: 'confidentiality',
    title: 'Confidentiality',
    criteria: 'C1.1, C1.2 (confidential information protected); CC6.7',
    queries: [
      {
        id: 'masking',
        title: 'Values masked before they reached the client, by detector and upstream',
        chart: { kind: 'bar', x: 'label', y: ['values_masked'] },
        sql: `SELECT m ->> 'detector' || ' @ ' || coalesce(x.upstream, '-') AS label,
       m ->> 'detector' AS detector, x.upstream,
       count(*) AS records,
       sum(coalesce((m ->> 'count')::bigint, 1))::bigint AS values_masked
FROM (SELECT upstream, body::jsonb AS b FROM events
      WHERE ${IN_PERIOD} AND type IN ('call.response', 'call.refused') AND position('"detector":' in body) > 0) x,
     jsonb_array_elements(coalesce(x.b -> 'masking', x.b -> 'response' -> 'masking', '[]'::jsonb)) AS m
GROUP BY 1, 2, 3
ORDER BY 5 DESC, 1
LIMIT 200`,
      },
      {
        id: 'sealed',
        title: 'Sealed raw copies (encrypted to a key outside the database)',
        single: true,
        sql: `SELECT count(*) FILTER (WHERE b -> 'extra' ? 'sealed') AS sealed_results,
       count(*) FILTER (WHERE b -> 'extra' ? 'sealedArguments') AS sealed_arguments
FROM (SELECT body::jsonb AS b FROM events
      WHERE ${IN_PERIOD} AND type = 'call.response' AND position('"sealed' in body) > 0) x`,
      },
      {
        id: 'unsealed',
        title: 'Who unsealed a raw copy',
        sql: `SELECT ts, subject, body::jsonb -> 'filters' ->> 'record' AS record,
       body::jsonb -> 'filters' ->> 'which' AS which, body::jsonb ->> 'host' AS host
FROM events
WHERE ${IN_PERIOD} AND type = 'audit.read' AND method = 'audit.unseal'
ORDER BY ts
LIMIT 1000`,
      },
    ],
  },
  {
    id: 'approvals',
    title: 'Approvals of held calls',
    criteria: 'CC6.1, CC8.1 (segregation of duties: a second person approves high-risk actions)',
    queries: [
      {
        id: 'approval_totals',
        title: 'Held calls',
        single: true,
        sql: `SELECT count(*) FILTER (WHERE type = 'approval.requested') AS held_calls,
       count(*) FILTER (WHERE type = 'approval.decision' AND body::jsonb ->> 'decision' = 'approve') AS approvals_given,
       count(*) FILTER (WHERE type = 'approval.decision' AND body::jsonb ->> 'decision' = 'deny') AS denials_given,
       count(*) FILTER (WHERE type = 'approval.executed') AS executed,
       count(*) FILTER (WHERE type = 'approval.expired') AS expired,
       count(*) FILTER (WHERE type = 'approval.cancelled') AS cancelled
FROM events
WHERE ${IN_PERIOD} AND type LIKE 'approval.%'`,
      },
      {
        id: 'held_calls',
        title: 'Every held call: requester, reviewers, decision time, executed as approved',
        note: 'executed_as_approved: the call that ran carries the approval id and matches the requester, upstream and tool that were approved. held-calls.csv in the pack lists every held call of the period (this table stops at 1 000).',
        sql: heldCallsSql(),
      },
    ],
  },
  {
    id: 'trail',
    title: 'The audit trail itself',
    criteria: 'CC4.1, CC7.2 (monitoring of controls); retention and disposal (C1.2)',
    queries: [
      {
        id: 'readers',
        title: 'Who read the audit trail',
        sql: `SELECT subject, method AS action, count(*) AS reads, min(ts) AS first_read, max(ts) AS last_read
FROM events
WHERE ${IN_PERIOD} AND type = 'audit.read'
GROUP BY 1, 2
ORDER BY 1, 2
LIMIT 500`,
      },
      {
        id: 'retention',
        title: 'Retention status',
        single: true,
        sql: `SELECT (SELECT min(ts) FROM events) AS oldest_record_kept,
       (SELECT count(*) FROM audit_purges) AS purges_ever,
       (SELECT coalesce(sum(events_deleted), 0)::bigint FROM audit_purges) AS records_purged_ever,
       (SELECT count(*) FROM audit_purges WHERE purged_at >= $1 AND purged_at < $2) AS purges_in_period`,
      },
      {
        id: 'purges',
        title: 'Purge tombstones (signed anchors left by each purge)',
        sql: `SELECT chain_id, through_seq, checkpoint_ts, purged_at, purged_by, events_deleted,
       (purged_at >= $1 AND purged_at < $2) AS in_period
FROM audit_purges
ORDER BY purged_at, chain_id
LIMIT 1000`,
      },
    ],
  },
];
