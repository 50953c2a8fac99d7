import { randomBytes } from 'node:crypto';
import { GatewayError, type Identity } from '@mcpgate/core';
import { POLICY_EVENTS, type PolicyAuditSink } from '../audit-sink.js';
import type { PolicyEngine } from '../engine.js';
import { compileGlob } from '../match/glob.js';
import type { CompiledRule } from '../rules/compile.js';
import type { ActiveGrant, GrantLookup } from '../step/hooks.js';
import type { GrantRecord, GrantStatus, GrantStore } from './types.js';

export interface GrantRequest {
  readonly upstream: string;
  /** Tool name or glob; default `*`. */
  readonly tool?: string;
  readonly durationMs: number;
  readonly reason: string;
}

export interface GrantServiceOptions {
  readonly store: GrantStore;
  /** The current policy (reviewers and caps come from its require_grant rules). */
  readonly engine: () => PolicyEngine;
  readonly audit: PolicyAuditSink;
  readonly clock?: () => Date;
}

function newGrantId(): string {
  return `G-${randomBytes(5).toString('hex')}`;
}

/**
 * Just-in-time access: request → approve/deny by a reviewer of the governing rule → active until
 * it expires or is revoked. Every step is recorded through the audit sink before it is reported
 * as done. A requester can never decide their own request.
 */
export class GrantService implements GrantLookup {
  private readonly clock: () => Date;

  constructor(private readonly opts: GrantServiceOptions) {
    this.clock = opts.clock ?? (() => new Date());
  }

  async request(requester: Identity, req: GrantRequest): Promise<GrantRecord> {
    const reason = req.reason.trim();
    if (reason.length === 0) throw new GatewayError('invalid_params', 'a grant request needs a reason');
    if (!Number.isSafeInteger(req.durationMs) || req.durationMs <= 0)
      throw new GatewayError('invalid_params', 'a grant request needs a positive duration');
    const tool = req.tool ?? '*';
    const literal = compileGlob(tool).literal;
    const rules = this.opts.engine().grantRulesFor(requester, req.upstream, literal);
    const rule = rules[0];
    if (!rule?.grant) {
      throw new GatewayError(
        'invalid_params',
        `no policy rule requires a grant for ${requester.subject} on upstream "${req.upstream}"${literal !== undefined ? ` tool "${literal}"` : ''}; there is nothing to request`,
      );
    }
    const durationMs = Math.min(req.durationMs, rule.grant.maxDurationMs);
    const g: GrantRecord = {
      id: newGrantId(),
      requester: requester.subject,
      upstream: req.upstream,
      tool,
      rule: rule.name,
      reason,
      requestedMs: req.durationMs,
      durationMs,
      status: 'pending',
      createdAt: this.clock(),
    };
    await this.opts.store.insert(g);
    await this.opts.audit.record(POLICY_EVENTS.grantRequested, {
      ...eventOf(g),
      actor: requester.subject,
      capped: durationMs < req.durationMs,
      reviewers: rule.grant.reviewers,
    });
    return g;
  }

  async approve(reviewer: Identity, id: string, reason?: string): Promise<GrantRecord> {
    const { grant, rule } = await this.decidable(reviewer, id, 'approve');
    const now = this.clock();
    const updated = await this.opts.store.update(id, 'pending', {
      status: 'approved',
      decidedBy: reviewer.subject,
      decidedAt: now,
      ...(reason ? { decisionReason: reason } : {}),
      expiresAt: new Date(now.getTime() + Math.min(grant.durationMs, rule.grant!.maxDurationMs)),
    });
    if (!updated) throw await this.notPending(id);
    await this.opts.audit.record(POLICY_EVENTS.grantApproved, {
      ...eventOf(updated),
      actor: reviewer.subject,
      ...(reason ? { reason } : {}),
    });
    return updated;
  }

  async deny(reviewer: Identity, id: string, reason?: string): Promise<GrantRecord> {
    await this.decidable(reviewer, id, 'deny');
    const updated = await this.opts.store.update(id, 'pending', {
      status: 'denied',
      decidedBy: reviewer.subject,
      decidedAt: this.clock(),
      ...(reason ? { decisionReason: reason } : {}),
    });
    if (!updated) throw await this.notPending(id);
    await this.opts.audit.record(POLICY_EVENTS.grantDenied, {
      ...eventOf(updated),
      actor: reviewer.subject,
      ...(reason ? { reason } : {}),
    });
    return updated;
  }

  /** The requester may withdraw their own; a reviewer of the rule may revoke anyone's. */
  async revoke(actor: Identity, id: string, reason?: string): Promise<GrantRecord> {
    const grant = await this.mustGet(id);
    const status = this.effectiveStatus(grant);
    if (status !== 'approved' && status !== 'pending') {
      throw new GatewayError(
        'invalid_params',
        `grant ${id} is ${status}; only a pending or active grant can be revoked`,
      );
    }
    if (actor.subject !== grant.requester && !this.isReviewer(actor, this.opts.engine().rule(grant.rule))) {
      throw new GatewayError(
        'forbidden',
        `only the requester or a reviewer of rule "${grant.rule}" may revoke grant ${id}`,
      );
    }
    const updated = await this.opts.store.update(id, grant.status, {
      status: 'revoked',
      revokedBy: actor.subject,
      revokedAt: this.clock(),
    });
    if (!updated)
      throw new GatewayError('invalid_params', `grant ${id} changed while revoking it; try again`);
    await this.opts.audit.record(POLICY_EVENTS.grantRevoked, {
      ...eventOf(updated),
      actor: actor.subject,
      ...(reason ? { reason } : {}),
    });
    return updated;
  }

  /** Whether `who` may see a grant: its requester, or a reviewer of the rule that governs it. */
  canSee(who: Identity, grant: GrantRecord): boolean {
    return who.subject === grant.requester || this.isReviewer(who, this.opts.engine().rule(grant.rule));
  }

  /** One grant as it stands now; unknown ids are a clear error. */
  async get(id: string): Promise<GrantRecord> {
    const g = await this.mustGet(id);
    return { ...g, status: this.effectiveStatus(g) };
  }

  /** Grants as they stand now (an approved grant past its time shows as expired). */
  async list(filter: { requester?: string; statuses?: readonly GrantStatus[] } = {}): Promise<GrantRecord[]> {
    const rows = await this.opts.store.list(
      filter.requester !== undefined ? { requester: filter.requester } : {},
    );
    return rows
      .map((g) => ({ ...g, status: this.effectiveStatus(g) }))
      .filter((g) => filter.statuses === undefined || filter.statuses.includes(g.status));
  }

  /**
   * Writes `expired` for grants whose time is up and audits each once. Expiry itself needs no
   * sweep (activeGrant compares with the clock); this keeps the table and the trail tidy.
   */
  async sweepExpired(): Promise<GrantRecord[]> {
    const expired = await this.opts.store.expireDue(this.clock());
    for (const g of expired)
      await this.opts.audit.record(POLICY_EVENTS.grantExpired, { ...eventOf(g), actor: 'mcpgate' });
    return expired;
  }

  /**
   * Runs `sweepExpired` every `intervalMs` (unref'd: never keeps the process alive). Several
   * replicas may sweep: the status update is conditional, so each expiry is recorded once.
   * Returns a stop function.
   */
  startSweeper(intervalMs: number, onError: (err: unknown) => void): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweepExpired()
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async activeGrant(
    identity: Identity,
    upstream: string,
    tool: string | undefined,
    now: Date,
  ): Promise<ActiveGrant | undefined> {
    const rows = await this.opts.store.active(identity.subject, upstream, now);
    for (const g of rows) {
      if (g.expiresAt === undefined || g.expiresAt.getTime() <= now.getTime()) continue;
      const covers = tool === undefined ? g.tool === '*' : compileGlob(g.tool).test(tool);
      if (covers) return { id: g.id, expiresAt: g.expiresAt };
    }
    return undefined;
  }

  private effectiveStatus(g: GrantRecord): GrantStatus {
    if (
      g.status === 'approved' &&
      g.expiresAt !== undefined &&
      g.expiresAt.getTime() <= this.clock().getTime()
    )
      return 'expired';
    return g.status;
  }

  private async mustGet(id: string): Promise<GrantRecord> {
    const g = await this.opts.store.get(id);
    if (!g) throw new GatewayError('invalid_params', `unknown grant request "${id}"`);
    return g;
  }

  private async notPending(id: string): Promise<GatewayError> {
    const g = await this.opts.store.get(id);
    return new GatewayError(
      'invalid_params',
      `grant request ${id} is already ${g ? this.effectiveStatus(g) : 'gone'}`,
    );
  }

  private isReviewer(who: Identity, rule: CompiledRule | undefined): boolean {
    return rule?.grant !== undefined && who.groups.some((g) => rule.grant!.reviewers.includes(g));
  }

  private async decidable(
    reviewer: Identity,
    id: string,
    verb: string,
  ): Promise<{ grant: GrantRecord; rule: CompiledRule }> {
    const grant = await this.mustGet(id);
    if (grant.status !== 'pending')
      throw new GatewayError(
        'invalid_params',
        `grant request ${id} is already ${this.effectiveStatus(grant)}`,
      );
    if (reviewer.subject === grant.requester) {
      throw new GatewayError(
        'forbidden',
        `you requested grant ${id}; a requester never ${verb}s their own request`,
      );
    }
    const rule = this.opts.engine().rule(grant.rule);
    if (!rule?.grant) {
      throw new GatewayError(
        'forbidden',
        `rule "${grant.rule}" that governed grant ${id} is no longer a require_grant rule in the current policy; it cannot be decided`,
      );
    }
    if (!this.isReviewer(reviewer, rule)) {
      throw new GatewayError(
        'forbidden',
        `${reviewer.subject} may not ${verb} grant ${id}: reviewers are members of ${rule.grant.reviewers.join(', ')}`,
      );
    }
    return { grant, rule };
  }
}

function eventOf(g: GrantRecord): Record<string, unknown> {
  return {
    grantId: g.id,
    requester: g.requester,
    upstream: g.upstream,
    tool: g.tool,
    rule: g.rule,
    status: g.status,
    requestReason: g.reason,
    durationMs: g.durationMs,
    ...(g.expiresAt ? { expiresAt: g.expiresAt.toISOString() } : {}),
  };
}
