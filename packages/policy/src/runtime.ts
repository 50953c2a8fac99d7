import type { Interceptor, VisibilityFilter } from '@mcpgate/core';
import { buildPolicyEngine, type BuildOptions } from './build.js';
import type { PinningMode } from './config.js';
import type { PolicyEngine } from './engine.js';
import { pinningModeOf, type ToolPinning } from './pinning/guard.js';
import type { RateCounter } from './ratelimit/counters.js';
import { RateLimiter } from './ratelimit/limiter.js';
import { createAuthorizeSteps } from './step/authorize.js';
import type { ApprovalGate, GrantLookup } from './step/hooks.js';
import { combineVisibility, createPolicyVisibility } from './visibility.js';

/** Long-lived services the policy layer uses; they survive reloads (counters, pins, grants). */
export interface PolicyServices extends BuildOptions {
  readonly approvals?: ApprovalGate;
  readonly grants?: GrantLookup;
  /** Shared (SqlRateCounter) or per process (MemoryRateCounter). Without one, limits are not enforced. */
  readonly rateCounter?: RateCounter;
  readonly pinning?: ToolPinning;
  readonly clock?: () => Date;
}

export type ReloadResult =
  | { readonly ok: true; readonly version: string; readonly changed: boolean }
  | { readonly ok: false; readonly errors: readonly string[]; readonly version: string };

/**
 * Holds the current policy engine and builds what the gateway needs from it: the `authorize`
 * step and the visibility filter. Engines are immutable; `reload` builds a new one and swaps it in
 * only when it is valid — otherwise the running one stays and the errors are returned (never
 * thrown). After a successful reload, hand `step()` and `visibility()` to `Gateway.setSteps`;
 * calls already running finish under the engine they started with.
 */
export class PolicyRuntime {
  private engine: PolicyEngine;

  private constructor(
    engine: PolicyEngine,
    private readonly services: PolicyServices,
  ) {
    this.engine = engine;
  }

  static create(
    raw: unknown,
    services: PolicyServices = {},
  ): { ok: true; runtime: PolicyRuntime } | { ok: false; errors: readonly string[] } {
    const built = buildPolicyEngine(raw, services);
    if (!built.ok) return { ok: false, errors: built.errors };
    return { ok: true, runtime: new PolicyRuntime(built.engine, services) };
  }

  get current(): PolicyEngine {
    return this.engine;
  }

  get version(): string {
    return this.engine.version;
  }

  reload(raw: unknown): ReloadResult {
    const built = buildPolicyEngine(raw, this.services);
    if (!built.ok) return { ok: false, errors: built.errors, version: this.engine.version };
    const changed = built.engine.version !== this.engine.version;
    if (changed) this.engine = built.engine;
    return { ok: true, version: this.engine.version, changed };
  }

  /** The authorize steps bound to the current engine (build new ones after each reload). */
  steps(): Interceptor[] {
    const s = this.services;
    return createAuthorizeSteps(this.engine, {
      ...(s.approvals ? { approvals: s.approvals } : {}),
      ...(s.grants ? { grants: s.grants } : {}),
      ...(s.pinning ? { pinning: s.pinning } : {}),
      ...(s.clock ? { clock: s.clock } : {}),
      ...(s.rateCounter && this.engine.limits.length > 0
        ? { rateLimits: new RateLimiter(this.engine, s.rateCounter) }
        : {}),
    });
  }

  /** Policy visibility (and pinning, when configured) for the current engine. */
  visibility(): VisibilityFilter {
    return combineVisibility(createPolicyVisibility(this.engine), this.services.pinning);
  }

  /** `policy.pinning` of whatever engine is current: pass as ToolPinning's `mode`. */
  readonly pinningMode = (upstream: string): PinningMode => pinningModeOf(this.engine.config)(upstream);
}
