import { createHash } from 'node:crypto';

/**
 * A simulated month of gateway traffic written through a real audit recorder (its `append`), so
 * every record is hash-chained exactly as the gateway writes it. Used by the evidence-report test
 * and by the memory benchmark. Deterministic for a seed: the same month every run.
 *
 * It also fills the tables other concerns own (API keys, grants, approvals, tool pins) with rows
 * matching the events, the way the real services would.
 */

/** The recorder surface used (structurally: @mcpgate/audit's `AuditRecorder.append`). */
export interface MonthAppender {
  append(input: {
    readonly type: string;
    readonly sessionId?: string;
    readonly correlationId?: string;
    readonly subject?: string;
    readonly groups?: readonly string[];
    readonly method?: string;
    readonly upstream?: string;
    readonly target?: string;
    readonly decision?: string;
    readonly outcome?: string;
    readonly body: Readonly<Record<string, unknown>>;
    readonly ts?: Date;
  }): Promise<unknown>;
}

export interface MonthSql {
  query(text: string, params?: readonly unknown[]): Promise<unknown>;
}

export interface MonthOptions {
  readonly recorder: MonthAppender;
  /** Where the API key, grant, approval and pin rows go; omitted: events only. */
  readonly sql?: MonthSql;
  /** First instant of the month (UTC). */
  readonly start: Date;
  readonly days?: number;
  /** Roughly how many records to write (the mix scales with it). Default 100 000. */
  readonly records?: number;
  readonly seed?: number;
  /** Called after each chunk of records is durable. */
  readonly onProgress?: (written: number) => void;
}

/** What was written, counted by the generator itself as it wrote (the ground truth). */
export interface MonthTruth {
  records: number;
  sessions: number;
  sessionsWithoutCalls: number;
  forwarded: number;
  denials: Record<string, number>;
  rateLimited: number;
  storeRefused: number;
  upstreamFailures: number;
  authFailureRecords: number;
  authFailureAttempts: number;
  hijackAttempts: number;
  maskedValues: Record<string, number>;
  sealed: number;
  approvalsRequested: number;
  approvalsExecuted: number;
  approvalsDenied: number;
  grantsRequested: number;
  keysCreated: number;
  keysRevoked: number;
  pinChanges: number;
  policyVersions: string[];
  auditReads: number;
  unseals: number;
  outcomeUnknown: number;
  heavyUser: string;
}

const UPSTREAMS = ['github', 'files', 'crm', 'payments'] as const;
const TOOLS: Record<(typeof UPSTREAMS)[number], readonly string[]> = {
  github: ['search_issues', 'create_issue', 'get_file'],
  files: ['read_file', 'list_dir', 'write_file'],
  crm: ['lookup_customer', 'update_contact'],
  payments: ['get_invoice', 'refund'],
};
const DETECTORS = ['email', 'credit_card', 'aws_access_key', 'phone'] as const;
const DENY_RULES = ['no-prod-writes', 'contractors-read-only', 'block-delete'] as const;
const REVIEWERS = ['oidc:carol', 'oidc:dave'] as const;

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Input = Parameters<MonthAppender['append']>[0];

/** Writes the month; returns what it wrote. Records go out in time order, in chunks that share commits. */
export async function simulateAuditMonth(opts: MonthOptions): Promise<MonthTruth> {
  const rnd = prng(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const days = opts.days ?? 30;
  const target = opts.records ?? 100_000;
  const t0 = opts.start.getTime();
  const DAY = 86_400_000;
  const truth: MonthTruth = {
    records: 0,
    sessions: 0,
    sessionsWithoutCalls: 0,
    forwarded: 0,
    denials: {},
    rateLimited: 0,
    storeRefused: 0,
    upstreamFailures: 0,
    authFailureRecords: 0,
    authFailureAttempts: 0,
    hijackAttempts: 0,
    maskedValues: {},
    sealed: 0,
    approvalsRequested: 0,
    approvalsExecuted: 0,
    approvalsDenied: 0,
    grantsRequested: 0,
    keysCreated: 0,
    keysRevoked: 0,
    pinChanges: 0,
    policyVersions: ['p-2f1c9a', 'p-7b40e3'],
    auditReads: 0,
    unseals: 0,
    outcomeUnknown: 0,
    heavyUser: 'key:ci-bot',
  };
  const people = Array.from({ length: 18 }, (_, i) => `oidc:user${String(i + 1).padStart(2, '0')}`);
  const identities = [...people, 'key:ci-bot', 'key:reporting'];
  const groupsOf = (s: string): string[] =>
    s.startsWith('key:') ? ['service'] : [Number(s.slice(-2)) % 3 === 0 ? 'contractors' : 'dev', 'staff'];

  let pending: Promise<unknown>[] = [];
  const flush = async (): Promise<void> => {
    await Promise.all(pending);
    pending = [];
    opts.onProgress?.(truth.records);
  };
  const emit = async (e: Input): Promise<void> => {
    pending.push(opts.recorder.append(e));
    truth.records++;
    if (pending.length >= 4000) await flush();
  };
  // Table rows wait until the events are written: awaiting a query mid-stream would let the
  // appender commit the events queued so far in tiny batches.
  const tableRows: [string, readonly unknown[]][] = [];
  const sqlRow = (text: string, params: readonly unknown[]): Promise<void> => {
    tableRows.push([text, params]);
    return Promise.resolve();
  };

  let corr = 0;
  const cid = (): string => `c_${(++corr).toString(36).padStart(8, '0')}`;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const hex = (s: string): string => createHash('sha256').update(s).digest('hex');

  // Records per simulated session (start, end, ~6 calls × ~2 records): size the month to the target.
  const perDay = Math.max(4, Math.round(target / days / 14));
  const outageDay = Math.floor(days * 0.66);
  const storeDownDay = Math.floor(days * 0.83);
  const policyChangeDay = Math.floor(days / 2);
  const pinDay = Math.floor(days / 3);

  // API keys created during the month (one revoked), and one created before it.
  const keys = [
    { id: 'a1b2c3d4e5f60718', name: 'ci-bot', at: t0 - 40 * DAY, revoked: undefined as number | undefined },
    { id: '0f1e2d3c4b5a6978', name: 'reporting', at: t0 + 2 * DAY, revoked: undefined },
    { id: '1234abcd5678ef90', name: 'tmp-migration', at: t0 + 5 * DAY, revoked: t0 + 9 * DAY },
  ];
  for (const k of keys) {
    if (k.at >= t0) truth.keysCreated++;
    if (k.revoked !== undefined) truth.keysRevoked++;
    await sqlRow(
      `INSERT INTO mcpgate_api_keys (id, name, groups, secret_hash, created_at, revoked_at, created_by)
       VALUES ($1, $2, '["service"]'::jsonb, $3, $4, $5, 'oidc:carol')`,
      [k.id, k.name, hex(k.id), iso(k.at), k.revoked === undefined ? null : iso(k.revoked)],
    );
  }

  for (let day = 0; day < days; day++) {
    const dayStart = t0 + day * DAY;
    const policyVersion = day < policyChangeDay ? truth.policyVersions[0]! : truth.policyVersions[1]!;
    const sessions: { at: number; who: string; sid: string }[] = [];
    for (let i = 0; i < perDay; i++) {
      const who = i % 7 === 0 ? 'key:ci-bot' : pick(identities);
      sessions.push({
        at: dayStart + Math.floor(((i + rnd()) / perDay) * (DAY - 3_600_000)),
        who,
        sid: `s_${day}_${i}`,
      });
    }
    for (const s of sessions) {
      let t = s.at;
      const groups = groupsOf(s.who);
      truth.sessions++;
      await emit({
        type: 'session.started',
        sessionId: s.sid,
        subject: s.who,
        groups,
        ts: new Date(t),
        body: {
          face: 'http',
          era: 'legacy',
          identity: { subject: s.who, groups, authMethod: s.who.startsWith('key:') ? 'api_key' : 'oidc' },
          client: { name: 'claude-code', version: '2.1.0' },
          protocolVersion: '2025-06-18',
          sourceIp: `10.0.${day}.${sessions.indexOf(s) % 250}`,
          userAgent: 'claude-code/2.1.0',
          startedAt: iso(t),
        },
      });
      const calls = s.who === 'key:ci-bot' ? 14 + Math.floor(rnd() * 6) : Math.floor(rnd() * 9);
      if (calls === 0) truth.sessionsWithoutCalls++;
      for (let c = 0; c < calls; c++) {
        t += 1000 + Math.floor(rnd() * 20_000);
        await oneCall(s, groups, t, policyVersion, day);
      }
      await emit({
        type: 'session.ended',
        sessionId: s.sid,
        ts: new Date(t + 500),
        body: { reason: 'client closed' },
      });
    }
    await securityEvents(dayStart, day);
    if (day === pinDay) await pinChange(dayStart);
    if (day % 3 === 1) await grantLife(dayStart + 7_200_000, day);
    if (day % 7 === 6) await auditRead(dayStart + 80_000_000, day);
  }
  await flush();
  // A few at a time; decisions after the approvals they reference.
  const decisions = (r: [string, readonly unknown[]]): boolean => r[0].includes('mcpgate_approval_decisions');
  if (opts.sql)
    for (const rows of [tableRows.filter((r) => !decisions(r)), tableRows.filter(decisions)])
      for (let i = 0; i < rows.length; i += 8)
        await Promise.all(rows.slice(i, i + 8).map(([text, params]) => opts.sql!.query(text, params)));
  return truth;

  async function oneCall(
    s: { who: string; sid: string },
    groups: string[],
    t: number,
    policyVersion: string,
    day: number,
  ): Promise<void> {
    const hour = new Date(t).getUTCHours();
    let upstream: (typeof UPSTREAMS)[number] = pick(UPSTREAMS);
    // The outage: github fails for an hour; the store outage: calls are refused for 30 minutes.
    const githubDown = day === outageDay && hour === 9;
    const storeDown = day === storeDownDay && hour === 14 && new Date(t).getUTCMinutes() < 30;
    if (githubDown) upstream = 'github';
    // Refunds are rare and held for approval; everything else is everyday traffic.
    const tool = upstream === 'payments' && rnd() > 0.08 ? 'get_invoice' : pick(TOOLS[upstream]);
    const correlationId = cid();
    const identity = { subject: s.who, groups };
    const r = rnd();
    const common = {
      sessionId: s.sid,
      correlationId,
      subject: s.who,
      groups,
      method: 'tools/call',
      upstream,
      target: tool,
    };
    const request = (decision: Record<string, unknown>, approvalId?: string): Record<string, unknown> => ({
      method: 'tools/call',
      target: { kind: 'tool', upstream, name: tool, exposedName: `${upstream}__${tool}` },
      params: { name: `${upstream}__${tool}`, arguments: { q: `item-${correlationId}` } },
      era: 'legacy',
      face: 'http',
      protocolVersion: '2025-06-18',
      identity,
      decision: { ...decision, policyVersion },
      approvalId,
      receivedAt: iso(t),
    });
    const timings = (ms: number) => ({ receivedAt: iso(t), respondedAt: iso(t + ms), totalMs: ms });

    if (storeDown) {
      truth.storeRefused++;
      await emit({
        ...common,
        type: 'call.refused',
        decision: 'allow',
        outcome: 'audit_unavailable',
        ts: new Date(t),
        body: {
          request: request({ action: 'allow', rule: 'default' }),
          response: {
            kind: 'error',
            error: { code: 'audit_unavailable', message: 'audit store unavailable — call not executed' },
            masking: [],
            steps: [],
            timings: timings(3),
          },
        },
      });
      return;
    }
    if (s.who === 'key:reporting' && r < 0.3) {
      truth.rateLimited++;
      await emit({
        ...common,
        type: 'call.refused',
        decision: 'allow',
        outcome: 'rate_limited',
        ts: new Date(t),
        body: {
          request: request({ action: 'allow', rule: 'default' }),
          response: {
            kind: 'error',
            error: { code: 'rate_limited', message: 'rate limit of 60 calls/min reached' },
            masking: [],
            steps: [],
            timings: timings(1),
          },
        },
      });
      return;
    }
    if (r < 0.06) {
      const rule = groups.includes('contractors') ? 'contractors-read-only' : pick(DENY_RULES);
      truth.denials[rule] = (truth.denials[rule] ?? 0) + 1;
      await emit({
        ...common,
        type: 'call.refused',
        decision: 'deny',
        outcome: 'policy_denied',
        ts: new Date(t),
        body: {
          request: request({ action: 'deny', rule, reason: `denied by rule ${rule}` }),
          response: {
            kind: 'error',
            error: { code: 'policy_denied', message: `denied by rule ${rule}` },
            masking: [],
            steps: [],
            timings: timings(1),
          },
        },
      });
      return;
    }
    let approvalId: string | undefined;
    if (upstream === 'payments' && tool === 'refund') {
      approvalId = `A-${correlationId.slice(2).toUpperCase()}`;
      const approved = await approvalLife(
        approvalId,
        s,
        groups,
        upstream,
        tool,
        correlationId,
        t,
        policyVersion,
      );
      if (!approved) return;
      t += 120_000;
    }
    if (r < 0.07 && r >= 0.0695) {
      // A call whose gateway died before the answer: request record, then `call.unknown` at restart.
      truth.forwarded++;
      truth.outcomeUnknown++;
      await emit({
        ...common,
        type: 'call.request',
        decision: 'allow',
        ts: new Date(t),
        body: request({ action: 'allow', rule: 'default' }, approvalId),
      });
      await emit({
        ...common,
        type: 'call.unknown',
        outcome: 'unknown',
        ts: new Date(t + 30_000),
        body: { reason: 'outcome unknown (gateway stopped)', request: { chain: 'gw-1:1', seq: 0 } },
      });
      return;
    }
    truth.forwarded++;
    await emit({
      ...common,
      type: 'call.request',
      decision: 'allow',
      ts: new Date(t),
      body: request(
        {
          action: approvalId ? 'require_approval' : 'allow',
          rule: approvalId ? 'refunds-need-approval' : 'default',
        },
        approvalId,
      ),
    });
    const masking: Record<string, unknown>[] = [];
    if (!githubDown && (upstream === 'crm' || (upstream === 'github' && r > 0.9))) {
      const detector = upstream === 'crm' ? pick(DETECTORS) : 'aws_access_key';
      const count = 1 + Math.floor(rnd() * 3);
      truth.maskedValues[`${detector}|${upstream}`] =
        (truth.maskedValues[`${detector}|${upstream}`] ?? 0) + count;
      masking.push({ detector, path: '$.content[0].text', count, strategy: 'redact' });
    }
    const sealed = masking.length > 0 && r > 0.95;
    if (sealed) truth.sealed++;
    const failed = githubDown;
    if (failed) truth.upstreamFailures++;
    await emit({
      ...common,
      type: 'call.response',
      decision: 'allow',
      outcome: failed ? 'upstream_unavailable' : r > 0.97 ? 'tool_error' : 'ok',
      ts: new Date(t + 40 + Math.floor(rnd() * 400)),
      body: failed
        ? {
            kind: 'error',
            error: { code: 'upstream_unavailable', message: 'upstream "github" is not available' },
            masking: [],
            steps: [],
            timings: timings(5),
          }
        : {
            kind: 'result',
            isError: r > 0.97,
            result: {
              content: [{ type: 'text', text: masking.length ? '[redacted:email]' : `ok ${correlationId}` }],
            },
            masking,
            steps: [],
            timings: timings(120),
            approvalId,
            extra: sealed
              ? { sealed: { v: 1, kid: 'k1', context: correlationId, epk: 'x', iv: 'y', ct: 'z', tag: 't' } }
              : undefined,
          },
    });
  }

  /** A held call: requested, decided by reviewers, executed (or denied). Returns whether it runs. */
  async function approvalLife(
    id: string,
    s: { who: string; sid: string },
    groups: string[],
    upstream: string,
    tool: string,
    correlationId: string,
    t: number,
    policyVersion: string,
  ): Promise<boolean> {
    truth.approvalsRequested++;
    const denied = rnd() < 0.2;
    const base = {
      sessionId: s.sid,
      correlationId,
      method: 'tools/call',
      upstream,
      target: tool,
    };
    const argsHash = hex(correlationId);
    const body = (status: string, extra: Record<string, unknown>): Record<string, unknown> => ({
      approvalId: id,
      status,
      requester: s.who,
      rule: 'refunds-need-approval',
      policyVersion,
      argsHash,
      reviewers: [...REVIEWERS],
      required: 1,
      mode: 'wait',
      uses: 1,
      used: status === 'executed' ? 1 : 0,
      expiresAt: iso(t + 600_000),
      ...extra,
    });
    await emit({
      ...base,
      type: 'approval.requested',
      subject: s.who,
      outcome: 'requested',
      ts: new Date(t),
      body: body('requested', { timeoutMs: 600_000, args: '{"amount":120}' }),
    });
    const reviewer = pick(REVIEWERS);
    const decidedAt = t + 60_000 + Math.floor(rnd() * 50_000);
    const status = denied ? 'denied' : 'approved';
    await emit({
      ...base,
      type: 'approval.decision',
      subject: reviewer,
      outcome: status,
      ts: new Date(decidedAt),
      body: body(status, {
        decision: denied ? 'deny' : 'approve',
        channel: 'cli',
        reviewerGroups: ['finance'],
      }),
    });
    await sqlRow(
      `INSERT INTO mcpgate_approvals (id, requester, requester_groups, session_id, correlation_id, method, upstream, tool, args_hash,
         args_summary, rule, policy_version, reviewers, required, mode, status, created_at, expires_at, decided_at, use_by, used)
       VALUES ($1, $2, $3::jsonb, $4, $5, 'tools/call', $6, $7, $8, '{"amount":120}', 'refunds-need-approval', $9, $10::jsonb, 1, 'wait',
         $11, $12, $13, $14, $15, $16)`,
      [
        id,
        s.who,
        JSON.stringify(groups),
        s.sid,
        correlationId,
        upstream,
        tool,
        argsHash,
        policyVersion,
        JSON.stringify(REVIEWERS),
        denied ? 'denied' : 'executed',
        iso(t),
        iso(t + 600_000),
        iso(decidedAt),
        denied ? null : iso(decidedAt + 300_000),
        denied ? 0 : 1,
      ],
    );
    await sqlRow(
      `INSERT INTO mcpgate_approval_decisions (approval_id, reviewer, decision, channel, decided_at) VALUES ($1, $2, $3, 'cli', $4)`,
      [id, reviewer, denied ? 'deny' : 'approve', iso(decidedAt)],
    );
    if (denied) {
      truth.approvalsDenied++;
      return false;
    }
    truth.approvalsExecuted++;
    await emit({
      ...base,
      type: 'approval.executed',
      subject: s.who,
      outcome: 'executed',
      ts: new Date(t + 120_000),
      body: body('executed', { executingCorrelationId: correlationId }),
    });
    return true;
  }

  async function securityEvents(dayStart: number, day: number): Promise<void> {
    // A steady trickle of bad tokens, and on two days a burst aggregated into one row per window.
    for (let i = 0; i < 6; i++) {
      const at = dayStart + Math.floor(rnd() * 86_000_000);
      const burst = (day === 4 || day === 17) && i === 0;
      const count = burst ? 250 : 1;
      truth.authFailureRecords++;
      truth.authFailureAttempts += count;
      await emit({
        type: 'security.auth_failed',
        subject: undefined,
        ts: new Date(at),
        body: {
          presented: { kind: i % 2 ? 'api_key' : 'bearer', keyId: i % 2 ? 'ffffffffffffffff' : undefined },
          sourceIp: burst ? '203.0.113.7' : `198.51.100.${i}`,
          userAgent: burst ? 'python-requests/2.32' : 'claude-code/2.1.0',
          reason: burst ? 'invalid_token' : pick(['invalid_token', 'expired_token', 'unknown_api_key']),
          ...(burst ? { count, window: { from: iso(at), to: iso(at + 60_000) } } : {}),
        },
      });
    }
    if (day % 5 === 2) {
      truth.hijackAttempts++;
      await emit({
        type: 'security.session_hijack',
        sessionId: `s_${day}_1`,
        subject: 'oidc:user07',
        ts: new Date(dayStart + 50_000_000),
        body: {
          presented: { subject: 'oidc:user07', sessionId: `s_${day}_1` },
          owner: 'oidc:user03',
          sourceIp: '192.0.2.44',
          userAgent: 'curl/8.5.0',
          reason: 'session id presented with another identity',
        },
      });
    }
  }

  async function pinChange(dayStart: number): Promise<void> {
    const old = hex('create_issue v1');
    const neu = hex('create_issue v2');
    truth.pinChanges++;
    await emit({
      type: 'pin.changed',
      subject: 'mcpgate',
      upstream: 'github',
      target: 'create_issue',
      ts: new Date(dayStart + 3_600_000),
      body: {
        actor: 'mcpgate',
        upstream: 'github',
        tool: 'create_issue',
        mode: 'block',
        hash: neu,
        previousHash: old,
        approvedHash: old,
        fields: ['description'],
        reverted: false,
        blocked: true,
      },
    });
    await emit({
      type: 'pin.approved',
      subject: 'oidc:carol',
      upstream: 'github',
      target: 'create_issue',
      ts: new Date(dayStart + 5_400_000),
      body: { actor: 'oidc:carol', upstream: 'github', tool: 'create_issue', hash: neu, previousHash: old },
    });
    await sqlRow(
      `INSERT INTO mcpgate_tool_pins (upstream, tool, approved_hash, approved_definition, seen_hash, seen_definition, first_seen_at,
         changed_at, approved_by, approved_at)
       VALUES ('github', 'create_issue', $1, '{"name":"create_issue"}'::jsonb, $1, '{"name":"create_issue"}'::jsonb, $2, $3, 'oidc:carol', $4)`,
      [neu, iso(t0 - 90 * DAY), iso(dayStart + 3_600_000), iso(dayStart + 5_400_000)],
    );
  }

  async function grantLife(at: number, day: number): Promise<void> {
    truth.grantsRequested++;
    const id = `G-${String(day).padStart(4, '0')}`;
    const requester = people[day % people.length]!;
    const g = {
      id,
      requester,
      upstream: 'files',
      tool: 'write_file',
      rule: 'jit-files-write',
      reason: 'hotfix',
    };
    await emit({
      type: 'grant.requested',
      subject: requester,
      upstream: 'files',
      target: 'write_file',
      ts: new Date(at),
      body: { ...g, actor: requester, status: 'pending', reviewers: ['oidc:carol'] },
    });
    await emit({
      type: 'grant.approved',
      subject: 'oidc:carol',
      upstream: 'files',
      target: 'write_file',
      ts: new Date(at + 600_000),
      body: { ...g, actor: 'oidc:carol', status: 'approved' },
    });
    await sqlRow(
      `INSERT INTO mcpgate_grants (id, requester, upstream, tool, rule, reason, requested_ms, duration_ms, status, created_at,
         decided_by, decided_at, expires_at)
       VALUES ($1, $2, 'files', 'write_file', 'jit-files-write', 'hotfix', 3600000, 3600000, 'approved', $3, 'oidc:carol', $4, $5)`,
      [id, requester, iso(at), iso(at + 600_000), iso(at + 4_200_000)],
    );
  }

  async function auditRead(at: number, day: number): Promise<void> {
    truth.auditReads++;
    const unseal = day === 13;
    if (unseal) truth.unseals++;
    await emit({
      type: 'audit.read',
      subject: unseal ? 'os:security-officer' : 'os:auditor',
      method: unseal ? 'audit.unseal' : 'audit.query',
      ts: new Date(at),
      body: unseal
        ? { action: 'unseal', filters: { record: 'c_00000042', which: 'result' }, host: 'bastion', pid: 4242 }
        : { action: 'query', filters: { since: '7d' }, host: 'bastion', pid: 4242 },
    });
  }
}
