import {
  canonicalJson,
  GatewayError,
  silentLogger,
  type Identity,
  type Logger,
  type SqlClient,
} from '@mcpgate/core';
import { approvalError } from './errors.js';
import { APPROVAL_EVENTS, approvalEvent, type ApprovalAuditLog, type ApprovalEventType } from './events.js';
import { isApprovalId, normalizeApprovalId } from './ids.js';
import type { ApprovalNotifier, NoticeKind } from './notifier.js';
import { SqlApprovalStore, type ApprovalBinding, type ApprovalFilter, type ApprovalPage } from './store.js';
import { approvalsOf, type ApprovalRecord, type ApprovalRule, type DecisionChannel } from './types.js';
import { Waiters } from './waiters.js';

/** Postgres NOTIFY channel (in-process bus on PGlite) carrying the id of every changed approval. */
export const APPROVALS_CHANNEL = 'mcpgate_approvals';

export const DEFAULT_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_DEFER_WINDOW_MS = 60 * 60_000;
const SUMMARY_MAX = 2000;

export interface ApprovalServiceOptions {
  readonly sql: SqlClient;
  readonly audit: ApprovalAuditLog;
  readonly notifier?: ApprovalNotifier;
  readonly logger?: Logger;
  readonly clock?: () => Date;
  /** Deadline for a decision when the rule gives none (default 15 min). */
  readonly defaultTimeoutMs?: number;
  /** How long an approved call may take to run (the `defer` retry window; default 1 h). */
  readonly deferWindowMs?: number;
  /** How many times one approval may be used (default 1). */
  readonly uses?: number;
  /** Safety-net re-read of a waited-on approval, in case a notification was missed (default 5 s). */
  readonly pollIntervalMs?: number;
  /** How often this replica expires overdue approvals (default 5 s; 0 disables). */
  readonly sweepIntervalMs?: number;
  /**
   * Masks the arguments reviewers see (store summary, admin API, webhooks, Slack), e.g. with the
   * masking package's `maskArguments`: secrets in a call's arguments must not travel to a chat
   * channel. The binding hash is always over the real arguments.
   */
  readonly redactArguments?: (args: unknown) => unknown;
}

/**
 * Who is deciding (an authenticated identity, or the OS user in local mode). `aliases` are other
 * subjects of the same person (local mode: `os:alice` and `local:alice`), so self-approval and
 * double-counting cannot be slipped through under a second name.
 */
export type Reviewer = Pick<Identity, 'subject' | 'groups'> & {
  readonly name?: string;
  readonly aliases?: readonly string[];
};

export interface RequestInput {
  readonly identity: Pick<Identity, 'subject' | 'groups'> & { readonly name?: string };
  readonly sessionId?: string;
  readonly correlationId?: string;
  readonly method: string;
  readonly upstream: string;
  readonly tool: string;
  readonly arguments: unknown;
  readonly argsHash: string;
  readonly rule?: string;
  readonly policyVersion?: string;
  readonly requirement: ApprovalRule;
}

export interface DecideOptions {
  readonly reason?: string;
  readonly channel: DecisionChannel;
}

function summarize(args: unknown): string {
  let text: string;
  try {
    text = canonicalJson(args ?? {});
  } catch {
    text = '(arguments not representable)';
  }
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX)}…` : text;
}

function minutes(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

/**
 * Approval requests and decisions over the shared store. Every state change is a conditional
 * update (so replicas cannot both win a race), then a chained audit event, then a NOTIFY that wakes
 * calls waiting on any replica.
 */
export class ApprovalService {
  readonly store: SqlApprovalStore;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private readonly waiters: Waiters;
  private unlisten: (() => Promise<void>) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly background = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly opts: ApprovalServiceOptions) {
    this.store = new SqlApprovalStore(opts.sql);
    this.clock = opts.clock ?? (() => new Date());
    this.log = (opts.logger ?? silentLogger).child({ component: 'approvals' });
    this.waiters = new Waiters();
  }

  /** True once `close()` began: held calls ending now are a shutdown, not a client leaving. */
  get isClosing(): boolean {
    return this.closing;
  }

  get deferWindowMs(): number {
    return this.opts.deferWindowMs ?? DEFAULT_DEFER_WINDOW_MS;
  }

  get pollIntervalMs(): number {
    return this.opts.pollIntervalMs ?? 5000;
  }

  now(): Date {
    return this.clock();
  }

  /** Subscribes to changes from every replica and starts the expiry sweep. */
  async start(): Promise<void> {
    if (this.unlisten) return;
    this.unlisten = await this.opts.sql.listen(APPROVALS_CHANNEL, (id) => this.waiters.wake(id));
    const every = this.opts.sweepIntervalMs ?? 5000;
    if (every > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), every);
      this.sweepTimer.unref();
    }
  }

  /**
   * Stops listening and sweeping. Close it before the gateway ends its sessions: calls still held
   * then leave their requests pending (a restart is not the client walking away), so a client
   * that re-sends the call after the restart joins the same request.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
    await Promise.allSettled([...this.background]);
    const u = this.unlisten;
    this.unlisten = undefined;
    await u?.();
    await this.opts.notifier?.close?.();
  }

  /** Waits for outstanding webhook deliveries and their `approval.notified` records (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** @internal: lets waiters on this replica register for wake-ups. */
  get waitRegistry(): Waiters {
    return this.waiters;
  }

  // ---- requests -------------------------------------------------------------------------------

  async request(input: RequestInput): Promise<ApprovalRecord> {
    const now = this.clock();
    const req = input.requirement;
    const timeoutMs = req.timeoutMs > 0 ? req.timeoutMs : (this.opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    const a = await this.store.insert({
      requester: input.identity.subject,
      ...(input.identity.name !== undefined ? { requesterName: input.identity.name } : {}),
      requesterGroups: [...input.identity.groups],
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
      method: input.method,
      upstream: input.upstream,
      tool: input.tool,
      argsHash: input.argsHash,
      argsSummary: summarize(
        this.opts.redactArguments ? this.opts.redactArguments(input.arguments) : input.arguments,
      ),
      ...(input.rule !== undefined ? { rule: input.rule } : {}),
      ...(input.policyVersion !== undefined ? { policyVersion: input.policyVersion } : {}),
      reviewers: [...req.reviewers],
      required: Math.max(1, Math.floor(req.approvals)),
      allowSelf: req.allowSelfApproval,
      mode: req.mode,
      uses: Math.max(1, this.opts.uses ?? 1),
      createdAt: now,
      expiresAt: new Date(now.getTime() + timeoutMs),
    });
    await this.record(APPROVAL_EVENTS.requested, a, a.requester, { timeoutMs, args: a.argsSummary });
    await this.announce(a, 'requested');
    return a;
  }

  /** Uses one grant of an approved approval: by id (wait mode), or by exact binding (defer retries). */
  async consume(
    by: { readonly id: string } | { readonly binding: ApprovalBinding },
    correlationId?: string,
  ): Promise<ApprovalRecord | undefined> {
    const a = await this.store.consume(by, this.clock());
    if (!a) return undefined;
    await this.record(APPROVAL_EVENTS.executed, a, a.requester, {
      executingCorrelationId: correlationId,
    });
    await this.announce(a, 'executed');
    return a;
  }

  findPending(binding: ApprovalBinding): Promise<ApprovalRecord | undefined> {
    return this.store.findPending(binding, this.clock());
  }

  // ---- decisions ------------------------------------------------------------------------------

  approve(reviewer: Reviewer, id: string, opts: DecideOptions): Promise<ApprovalRecord> {
    return this.decide(reviewer, id, 'approve', opts);
  }

  deny(reviewer: Reviewer, id: string, opts: DecideOptions): Promise<ApprovalRecord> {
    const reason = opts.reason?.trim();
    if (!reason) return Promise.reject(approvalError('invalid', 'denying needs a reason (--reason TEXT)'));
    return this.decide(reviewer, id, 'deny', { ...opts, reason });
  }

  private async decide(
    reviewer: Reviewer,
    rawId: string,
    kind: 'approve' | 'deny',
    opts: DecideOptions,
  ): Promise<ApprovalRecord> {
    const id = this.checkId(rawId);
    const now = this.clock();
    const reason = opts.reason?.trim() || undefined;
    let overdue = false;
    const result = await this.opts.sql.transaction(async (tx) => {
      const a = await this.store.lock(tx, id);
      if (!a) throw approvalError('unknown', `unknown approval ${id}`, { approvalId: id });
      if (a.status !== 'requested') throw closedError(a);
      if (a.expiresAt.getTime() <= now.getTime()) {
        overdue = true;
        return this.store.transition(
          id,
          ['requested'],
          {
            status: 'expired',
            closedReason: `not decided within ${minutes(a.expiresAt.getTime() - a.createdAt.getTime())}`,
          },
          tx,
        );
      }
      if (!isReviewerOf(reviewer, a)) {
        throw approvalError(
          'not_reviewer',
          `${reviewer.subject} is not a reviewer of approval ${id}: reviewers are members of ${a.reviewers.join(', ')}`,
          { approvalId: id, reviewers: [...a.reviewers] },
        );
      }
      const names = [reviewer.subject, ...(reviewer.aliases ?? [])];
      if (names.includes(a.requester) && !a.allowSelf) {
        throw approvalError(
          'self_approval',
          `${reviewer.subject} requested approval ${id} and may not decide it: another reviewer must`,
          { approvalId: id },
        );
      }
      if (a.decisions.some((d) => names.includes(d.reviewer))) {
        throw approvalError(
          'duplicate',
          `${reviewer.subject} already decided approval ${id}; it needs ${a.required} distinct approvers (${approvalsOf(a)} so far)`,
          { approvalId: id },
        );
      }
      await this.store.addDecision(tx, id, {
        reviewer: reviewer.subject,
        ...(reviewer.name !== undefined ? { reviewerName: reviewer.name } : {}),
        decision: kind,
        ...(reason !== undefined ? { reason } : {}),
        channel: opts.channel,
        decidedAt: now,
      });
      if (kind === 'deny') {
        return this.store.transition(
          id,
          ['requested'],
          {
            status: 'denied',
            decidedAt: now,
            closedReason: `denied by ${reviewer.subject}: ${reason ?? ''}`,
          },
          tx,
        );
      }
      if (approvalsOf(a) + 1 >= a.required) {
        return this.store.transition(
          id,
          ['requested'],
          { status: 'approved', decidedAt: now, useBy: new Date(now.getTime() + this.deferWindowMs) },
          tx,
        );
      }
      return this.store.get(id, tx);
    });
    if (!result) throw new GatewayError('internal', `approval ${id} vanished while deciding it`);
    if (overdue) {
      await this.record(APPROVAL_EVENTS.expired, result, 'gateway', { reason: result.closedReason });
      await this.announce(result, 'expired');
      throw approvalError('expired', `approval ${id} expired before this decision (${result.closedReason})`, {
        approvalId: id,
        status: 'expired',
      });
    }
    await this.record(APPROVAL_EVENTS.decision, result, reviewer.subject, {
      decision: kind,
      reason,
      channel: opts.channel,
      reviewerGroups: [...reviewer.groups],
    });
    await this.announce(
      result,
      result.status === 'approved' ? 'approved' : result.status === 'denied' ? 'denied' : 'decision',
    );
    return result;
  }

  /** Withdraws a pending (or approved, unused) approval: the client left, or the requester gave up. */
  async cancel(rawId: string, reason: string, actor = 'gateway'): Promise<ApprovalRecord | undefined> {
    const id = this.checkId(rawId);
    const a = await this.store.transition(id, ['requested', 'approved'], {
      status: 'cancelled',
      closedReason: reason,
    });
    if (!a) return undefined;
    await this.record(APPROVAL_EVENTS.cancelled, a, actor, { reason });
    await this.announce(a, 'cancelled');
    return a;
  }

  /** Expires one approval if it is overdue; returns the expired record, if this call expired it. */
  async expire(id: string): Promise<ApprovalRecord | undefined> {
    const now = this.clock();
    const a = await this.store.get(id);
    if (!a) return undefined;
    let reason: string;
    if (a.status === 'requested' && a.expiresAt.getTime() <= now.getTime())
      reason = `not decided within ${minutes(a.expiresAt.getTime() - a.createdAt.getTime())}`;
    else if (a.status === 'approved' && a.useBy && a.useBy.getTime() <= now.getTime())
      reason = 'approved but not used within the retry window';
    else return undefined;
    const done = await this.store.transition(id, [a.status], { status: 'expired', closedReason: reason });
    if (!done) return undefined;
    await this.record(APPROVAL_EVENTS.expired, done, 'gateway', { reason });
    await this.announce(done, 'expired');
    return done;
  }

  /** Expires everything overdue. Any replica may run it; each approval expires exactly once. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const { id } of await this.store.due(this.clock())) await this.expire(id);
      } catch (err) {
        this.log.warn({ err: String(err) }, 'approval expiry sweep failed');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  // ---- reading --------------------------------------------------------------------------------

  async get(rawId: string): Promise<ApprovalRecord | undefined> {
    return this.store.get(this.checkId(rawId));
  }

  /** For a person: their own request or one they review; anything else reads as unknown (no existence oracle). */
  async show(viewer: Reviewer, rawId: string): Promise<ApprovalRecord> {
    const id = this.checkId(rawId);
    const a = await this.store.get(id);
    if (!a || (a.requester !== viewer.subject && !isReviewerOf(viewer, a)))
      throw approvalError('unknown', `unknown approval ${id}`, { approvalId: id });
    return a;
  }

  list(filter: ApprovalFilter = {}): Promise<ApprovalPage> {
    return this.store.list(filter);
  }

  // ---- internals ------------------------------------------------------------------------------

  private checkId(raw: string): string {
    const id = normalizeApprovalId(raw);
    if (!isApprovalId(id))
      throw approvalError('invalid', `"${raw}" is not an approval id (they look like A-7K3M9Q)`);
    return id;
  }

  private async record(
    type: ApprovalEventType,
    a: ApprovalRecord,
    actor: string,
    extra: Readonly<Record<string, unknown>> = {},
  ): Promise<void> {
    await this.opts.audit.append(approvalEvent(type, a, actor, extra));
  }

  /** Wakes waiters on every replica, then notifies channels off the caller's path. */
  private async announce(a: ApprovalRecord, kind: NoticeKind): Promise<void> {
    this.waiters.wake(a.id);
    try {
      await this.opts.sql.notify(APPROVALS_CHANNEL, a.id);
    } catch (err) {
      // Waiters re-read on their poll interval; a lost NOTIFY only delays them.
      this.log.warn({ err: String(err), approval: a.id }, 'could not announce approval change');
    }
    const notifier = this.opts.notifier;
    if (!notifier) return;
    const p = (async () => {
      const reports = await notifier.deliver(kind, a);
      for (const r of reports) {
        await this.record(APPROVAL_EVENTS.notified, a, 'gateway', { notice: kind, ...r }).catch(
          (err: unknown) => this.log.warn({ err: String(err) }, 'could not record approval notification'),
        );
      }
    })().catch((err: unknown) =>
      this.log.warn({ err: String(err), approval: a.id }, 'approval notification failed'),
    );
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }
}

export function isReviewerOf(who: Pick<Identity, 'groups'>, a: Pick<ApprovalRecord, 'reviewers'>): boolean {
  return who.groups.some((g) => a.reviewers.includes(g));
}

function closedError(a: ApprovalRecord): GatewayError {
  const why = a.closedReason ? ` (${a.closedReason})` : '';
  const problem = a.status === 'expired' ? 'expired' : 'closed';
  return approvalError(problem, `approval ${a.id} is already ${a.status}${why}; it cannot be decided again`, {
    approvalId: a.id,
    status: a.status,
  });
}
