import { Ajv } from 'ajv';
import { parseDuration } from '@mcpgate/config';
import { canonicalHash } from '@mcpgate/core';
import { policyConfigSchema, type PolicyConfig } from './config.js';
import { PolicyEngine } from './engine.js';
import { compileRateLimits } from './ratelimit/compile.js';
import { compileRules, type PolicyIssue } from './rules/compile.js';
import type { SecretScanner } from './types.js';

export interface BuildOptions {
  /**
   * Detectors for `secrets:` matchers, injected by the composition root (the masking detectors;
   * policy does not import masking). Without one, a policy that uses `secrets:` does not build.
   */
  readonly secrets?: SecretScanner;
}

export type BuildResult =
  | { readonly ok: true; readonly engine: PolicyEngine; readonly config: PolicyConfig }
  | {
      readonly ok: false;
      /** Human-readable, each naming its place: `policy.rules[3] (name): match.time: …`. */
      readonly errors: readonly string[];
      /** The same problems with a path relative to the section (for the config loader's YAML lines). */
      readonly issues: readonly PolicyIssue[];
    };

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(raw: unknown): { config?: PolicyConfig; errors: string[]; issues: PolicyIssue[] } {
  // Wrapped as the `policy` key of a document, as in the config file (and so the section's own
  // root default is legal in strict mode); instance paths then read `policy.rules.0…`.
  validator ??= new Ajv({ strict: true, allErrors: true, useDefaults: true }).compile({
    type: 'object',
    properties: { policy: policyConfigSchema },
  });
  // Defaults are filled in on a copy: the caller's object is never mutated.
  const doc = { policy: raw === undefined ? {} : (structuredClone(raw) as unknown) };
  if (validator(doc)) return { config: normalizeDurations(doc.policy as Mutable), errors: [], issues: [] };
  const found = validator.errors ?? [];
  return {
    errors: found.map(
      (e) =>
        `${e.instancePath.slice(1).replace(/\//g, '.')}: ${e.message ?? 'invalid'}${paramsHint(e.params)}`,
    ),
    issues: found.map((e) => ({
      path: e.instancePath
        .split('/')
        .slice(2)
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      message: `${e.message ?? 'invalid'}${paramsHint(e.params)}`,
    })),
  };
}

type Mutable = {
  rules: Record<string, Record<string, unknown> | undefined>[];
  rateLimits: Record<string, unknown>[];
};

/**
 * The config loader turns durations into milliseconds; a section handed over raw (tests, the CLI's
 * `policy test` files) may still hold `30m`. Both are accepted, and the result always has numbers.
 */
function normalizeDurations(c: Mutable): PolicyConfig {
  const ms = (v: unknown): unknown => (typeof v === 'string' ? (parseDuration(v) ?? v) : v);
  for (const r of c.rules) {
    if (r.approval) r.approval.timeout = ms(r.approval.timeout);
    if (r.grant) r.grant.maxDuration = ms(r.grant.maxDuration);
  }
  for (const l of c.rateLimits) l.per = ms(l.per);
  return c as unknown as PolicyConfig;
}

function paramsHint(params: Record<string, unknown>): string {
  if (typeof params.additionalProperty === 'string') return ` ("${params.additionalProperty}")`;
  if (Array.isArray(params.allowedValues)) return ` (${params.allowedValues.join(', ')})`;
  return '';
}

/**
 * Load-time check for the config loader (`SectionChecks.policy`): everything JSON Schema cannot
 * express — unsafe patterns, bad JSON Schemas, unknown time zones, duplicate names, missing
 * approval/grant blocks — so `mcpgate validate` refuses exactly what the gateway would.
 */
export function policyConfigIssues(section: unknown, opts: BuildOptions = {}): PolicyIssue[] {
  const built = buildPolicyEngine(section, opts);
  return built.ok ? [] : [...built.issues];
}

/** The policy version: a short hash of the normalized policy config. */
export function policyVersion(config: PolicyConfig): string {
  return canonicalHash(config).slice(0, 16);
}

/**
 * Validates and compiles a policy config. Never throws: an invalid config comes back as a list
 * of errors, each naming its path, so a hot reload can keep the running engine and report them.
 */
export function buildPolicyEngine(raw: unknown, opts: BuildOptions = {}): BuildResult {
  const { config, errors, issues } = validate(raw);
  if (!config) return { ok: false, errors, issues };
  try {
    const compiled = compileRules(config.rules, opts.secrets ? { secrets: opts.secrets } : {});
    const limits = compileRateLimits(config.rateLimits);
    const problems = [...compiled.errors, ...limits.errors];
    if (problems.length > 0)
      return { ok: false, errors: problems, issues: [...compiled.issues, ...limits.issues] };
    const frozen = deepFreeze(config);
    return {
      ok: true,
      engine: new PolicyEngine(frozen, compiled.rules, policyVersion(frozen), limits.limits),
      config: frozen,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [`policy: ${message}`], issues: [{ path: [], message }] };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
