import type { AuthMethod, CallTarget, CatalogKind, JsonObject } from '@mcpgate/core';
import { buildPolicyEngine, type BuildOptions } from './build.js';
import type { PolicyEngine } from './engine.js';
import type { PolicyInput } from './types.js';

/**
 * Table-driven policy expectations (`mcpgate policy test FILE.yaml`, and the templates' own
 * tests). One case describes a caller and a call and states the expected action, optionally the
 * deciding rule and whether the target is visible in lists.
 */
export interface PolicyTestCase {
  readonly name?: string;
  /** Subject of the caller. */
  readonly as: string;
  readonly groups?: readonly string[];
  readonly authMethod?: AuthMethod;
  readonly keyName?: string;
  readonly method?: string;
  readonly upstream?: string;
  readonly tool?: string;
  readonly prompt?: string;
  readonly resource?: string;
  readonly args?: JsonObject;
  readonly annotations?: JsonObject;
  /** ISO time of the call (time windows). Default: now. */
  readonly at?: string;
  readonly expect: string;
  /** Expected deciding rule; `default` for the default action. */
  readonly rule?: string;
  readonly visible?: boolean;
}

export interface PolicyTestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly action: string;
  readonly rule: string;
}

export interface PolicyTestReport {
  readonly errors: readonly string[];
  readonly results: readonly PolicyTestResult[];
  readonly passed: number;
  readonly failed: number;
}

/** Builds the input a case describes. Exported for `policy explain`. */
export function inputOfCase(c: PolicyTestCase, now = new Date()): PolicyInput {
  const method =
    c.method ??
    (c.prompt !== undefined ? 'prompts/get' : c.resource !== undefined ? 'resources/read' : 'tools/call');
  let target: CallTarget;
  if (c.prompt !== undefined)
    target = { kind: 'prompt', upstream: c.upstream, name: c.prompt, exposedName: c.prompt };
  else if (c.resource !== undefined) target = { kind: 'resource', upstream: c.upstream, uri: c.resource };
  else if (c.tool !== undefined)
    target = {
      kind: 'tool',
      upstream: c.upstream,
      name: c.tool,
      exposedName: c.tool,
      ...(c.annotations ? { annotations: c.annotations } : {}),
    };
  else target = { kind: 'gateway' };
  return {
    identity: {
      subject: c.as,
      groups: c.groups ?? [],
      authMethod: c.authMethod ?? 'oidc',
      ...(c.keyName !== undefined ? { keyName: c.keyName } : {}),
    },
    method,
    target,
    ...(c.args ? { arguments: c.args } : {}),
    now: c.at !== undefined ? new Date(c.at) : now,
  };
}

const KIND: Partial<Record<CallTarget['kind'], CatalogKind>> = {
  tool: 'tools',
  prompt: 'prompts',
  resource: 'resources',
};

export function runCases(engine: PolicyEngine, cases: readonly PolicyTestCase[]): PolicyTestReport {
  const results: PolicyTestResult[] = [];
  const errors: string[] = [];
  cases.forEach((c, i) => {
    const name = c.name ?? `tests[${i}]`;
    if (typeof c.as !== 'string' || typeof c.expect !== 'string') {
      errors.push(`${name}: each case needs "as" (subject) and "expect" (action)`);
      return;
    }
    if (c.at !== undefined && Number.isNaN(new Date(c.at).getTime())) {
      errors.push(`${name}: "at" is not an ISO date: ${c.at}`);
      return;
    }
    const input = inputOfCase(c);
    const d = engine.evaluate(input);
    const rule = d.rule ?? 'default';
    const problems: string[] = [];
    if (d.action !== c.expect) problems.push(`expected ${c.expect}, got ${d.action} (rule ${rule})`);
    if (c.rule !== undefined && c.rule !== rule) problems.push(`expected rule ${c.rule}, got ${rule}`);
    if (c.visible !== undefined) {
      const kind = KIND[input.target.kind];
      const visible = kind ? !engine.isHidden(input.identity, kind, input.target) : true;
      if (visible !== c.visible)
        problems.push(`expected ${c.visible ? 'visible' : 'hidden'}, got ${visible ? 'visible' : 'hidden'}`);
    }
    results.push({ name, ok: problems.length === 0, problems, action: d.action, rule });
  });
  const failed = results.filter((r) => !r.ok).length;
  return { errors, results, passed: results.length - failed, failed: failed + errors.length };
}

/**
 * Runs a policy test document: `{ policy: <policy section>, tests: [cases] }`. Never throws;
 * an invalid policy or malformed case is reported in `errors` (and counts as a failure).
 */
export function runPolicyTests(doc: unknown, opts: BuildOptions = {}): PolicyTestReport {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return {
      errors: ['a policy test file is a mapping with "policy" and "tests"'],
      results: [],
      passed: 0,
      failed: 1,
    };
  }
  const { policy, tests } = doc as { policy?: unknown; tests?: unknown };
  if (!Array.isArray(tests) || tests.length === 0) {
    return { errors: ['"tests" must be a non-empty list of cases'], results: [], passed: 0, failed: 1 };
  }
  const built = buildPolicyEngine(policy, opts);
  if (!built.ok) return { errors: built.errors, results: [], passed: 0, failed: built.errors.length };
  return runCases(built.engine, tests as PolicyTestCase[]);
}
