import type { CallTarget, Identity } from '@mcpgate/core';
import type { PolicyEngine } from '../engine.js';
import { formatDuration } from '@mcpgate/config';
import type { RateLimitGuard, RateVerdict } from '../step/hooks.js';
import { counterKey, limitApplies } from './compile.js';
import type { RateCounter } from './counters.js';

/**
 * Applies every matching `policy.rateLimits` entry to a call. Each counts the call (a refused
 * call still counts, so hammering does not help); if any is over its limit the call is refused
 * with the time until that window ends.
 */
export class RateLimiter implements RateLimitGuard {
  constructor(
    private readonly engine: PolicyEngine,
    private readonly counter: RateCounter,
  ) {}

  async check(identity: Identity, method: string, target: CallTarget, now: Date): Promise<RateVerdict> {
    let worst: { name: string; limit: number; perMs: number; retryAfterMs: number } | undefined;
    const t = now.getTime();
    for (const l of this.engine.limits) {
      if (!limitApplies(l, identity, method, target)) continue;
      const windowStart = Math.floor(t / l.perMs) * l.perMs;
      const count = await this.counter.hit(counterKey(l, identity, target), windowStart, l.perMs);
      if (count > l.limit) {
        const retryAfterMs = windowStart + l.perMs - t;
        if (!worst || retryAfterMs > worst.retryAfterMs) worst = { ...l, retryAfterMs };
      }
    }
    if (!worst) return { ok: true };
    const seconds = Math.max(1, Math.ceil(worst.retryAfterMs / 1000));
    return {
      ok: false,
      limit: worst.name,
      retryAfterMs: worst.retryAfterMs,
      message: `rate limit "${worst.name}" exceeded (${worst.limit} calls per ${formatDuration(worst.perMs)}); retry in ${seconds}s`,
    };
  }
}
