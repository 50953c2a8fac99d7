/** What the audit recorder reports about records not yet durable (`AuditStats` in @mcpgate/audit). */
export interface AuditLagStats {
  readonly lagMs: number;
  readonly queued: number;
  readonly deferred: number;
  readonly dropped: number;
}

export interface LagSample {
  readonly t: number;
  readonly lagMs: number;
  readonly pending: number;
}

/**
 * Audit lag over time, for the overview chart. The lag exists only in the writing process (the
 * store cannot know what has not reached it yet), so this process samples its own recorder every
 * `everyMs` and keeps the last `keep` samples in memory (an hour by default). Each replica shows
 * its own; a restart starts a new history. Long-term history belongs to `/metrics`
 * (`mcpgate_audit_lag_seconds`) and the operator's Prometheus.
 */
export class AuditLagHistory {
  private readonly buf: LagSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stats: () => AuditLagStats,
    private readonly everyMs = 5_000,
    private readonly keep = 720,
  ) {}

  start(): this {
    if (this.timer) return this;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    // Never keeps a process alive on its own (CLI commands, tests).
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(now = Date.now()): void {
    const s = this.stats();
    this.buf.push({ t: now, lagMs: s.lagMs, pending: s.queued + s.deferred });
    if (this.buf.length > this.keep) this.buf.splice(0, this.buf.length - this.keep);
  }

  samples(): readonly LagSample[] {
    return this.buf;
  }

  get intervalMs(): number {
    return this.everyMs;
  }
}
