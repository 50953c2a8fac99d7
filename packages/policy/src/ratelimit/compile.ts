import type { CallTarget, Identity } from '@mcpgate/core';
import type { RateKey, RateLimitConfig } from '../config.js';
import {
  compileIdentityMatcher,
  compileTargetMatcher,
  identityMismatch,
  targetMismatch,
  type IdentityMatcher,
  type PolicyIssue,
  type TargetMatcher,
} from '../rules/compile.js';

export interface CompiledRateLimit {
  readonly name: string;
  readonly limit: number;
  readonly perMs: number;
  readonly by: readonly RateKey[];
  readonly target: TargetMatcher;
  readonly identity: IdentityMatcher;
}

export function compileRateLimits(limits: readonly RateLimitConfig[]): {
  limits: CompiledRateLimit[];
  errors: string[];
  issues: PolicyIssue[];
} {
  const errors: string[] = [];
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  const out = limits.map((l, i) => {
    const fail = (message: string, sub: string[] = []): void => {
      errors.push(`policy.rateLimits[${i}] (${l.name}): ${message}`);
      issues.push({ path: ['rateLimits', i, ...sub], message: `rate limit "${l.name}": ${message}` });
    };
    if (seen.has(l.name)) fail('duplicate rate limit name', ['name']);
    seen.add(l.name);
    if (!(l.per > 0)) fail('per must be a positive duration', ['per']);
    return {
      name: l.name,
      limit: l.limit,
      perMs: l.per,
      by: l.by,
      target: compileTargetMatcher(l.match),
      identity: compileIdentityMatcher(l.match),
    };
  });
  return { limits: out, errors, issues };
}

export function limitApplies(
  l: CompiledRateLimit,
  identity: Identity,
  method: string,
  target: CallTarget,
): boolean {
  return (
    targetMismatch(l.target, method, target) === undefined &&
    identityMismatch(l.identity, identity) === undefined
  );
}

/** The counter a call increments: the limit's name plus the parts it is `by`. */
export function counterKey(l: CompiledRateLimit, identity: Identity, target: CallTarget): string {
  const parts: string[] = [l.name];
  for (const k of l.by) {
    if (k === 'subject') parts.push(`s=${identity.subject}`);
    else if (k === 'upstream') parts.push(`u=${target.upstream ?? ''}`);
    else parts.push(`t=${target.name ?? target.uri ?? ''}`);
  }
  return JSON.stringify(parts);
}
