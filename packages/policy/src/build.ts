import { Ajv } from 'ajv';
import { canonicalHash } from '@mcpgate/core';
import { policyConfigSchema, type PolicyConfig } from './config.js';
import { PolicyEngine } from './engine.js';
import { compileRules } from './rules/compile.js';
import type { SecretScanner } from './types.js';

export interface BuildOptions {
  /** The masking package's detectors, for `secrets:` matchers. */
  readonly secrets?: SecretScanner;
}

export type BuildResult =
  | { readonly ok: true; readonly engine: PolicyEngine; readonly config: PolicyConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

let validator: ReturnType<Ajv['compile']> | undefined;

function validate(raw: unknown): { config?: PolicyConfig; errors: string[] } {
  validator ??= new Ajv({ strict: true, allErrors: true, useDefaults: true }).compile(policyConfigSchema);
  // Defaults are filled in on a copy: the caller's object is never mutated.
  const copy: unknown = raw === undefined ? {} : structuredClone(raw);
  if (validator(copy)) return { config: copy as PolicyConfig, errors: [] };
  return {
    errors: (validator.errors ?? []).map(
      (e) => `policy${e.instancePath.replace(/\//g, '.')}: ${e.message ?? 'invalid'}${paramsHint(e.params)}`,
    ),
  };
}

function paramsHint(params: Record<string, unknown>): string {
  if (typeof params.additionalProperty === 'string') return ` ("${params.additionalProperty}")`;
  if (Array.isArray(params.allowedValues)) return ` (${params.allowedValues.join(', ')})`;
  return '';
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
  const { config, errors } = validate(raw);
  if (!config) return { ok: false, errors };
  try {
    const compiled = compileRules(config.rules, opts);
    if (compiled.errors.length > 0) return { ok: false, errors: compiled.errors };
    const frozen = deepFreeze(config);
    return {
      ok: true,
      engine: new PolicyEngine(frozen, compiled.rules, policyVersion(frozen)),
      config: frozen,
    };
  } catch (err) {
    return { ok: false, errors: [`policy: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
