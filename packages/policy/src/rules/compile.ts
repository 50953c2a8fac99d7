import { Ajv, type ValidateFunction } from 'ajv';
import { safeRegExpEngine, type CallTarget, type Identity, type JsonObject } from '@mcpgate/core';
import type { ActionName, MatchConfig, RuleConfig } from '../config.js';
import { compileGlobSet, type GlobSet } from '../match/glob.js';
import { compileTimeWindow, type TimeWindow } from '../match/time-window.js';
import type {
  ApprovalRequirement,
  GrantRequirement,
  SecretScanner,
  UpstreamRequestLimits,
} from '../types.js';
import { SERVER_REQUEST_METHODS } from '../upstream-requests.js';
import { compileArgMatcher, type ArgCheck } from './args.js';

/**
 * MCP's defaults for absent tool annotations (the spec's: a tool is assumed non-read-only,
 * destructive, non-idempotent, open-world). Matching on them makes a guard like
 * `destructiveHint: true` catch tools that did not say.
 */
const ANNOTATION_DEFAULTS: Readonly<Record<string, unknown>> = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

/** The part of a match that depends only on the target (indexable, cacheable per target). */
export interface TargetMatcher {
  readonly methods?: GlobSet;
  readonly upstreams?: GlobSet;
  readonly tools?: GlobSet;
  readonly prompts?: GlobSet;
  readonly resources?: GlobSet;
  readonly annotations?: readonly (readonly [string, unknown])[];
}

export interface IdentityMatcher {
  readonly subjects?: GlobSet;
  readonly groups?: ReadonlySet<string>;
  readonly authMethods?: ReadonlySet<string>;
  readonly keyNames?: GlobSet;
}

export interface CompiledRule {
  readonly index: number;
  readonly name: string;
  readonly action: ActionName;
  readonly message?: string;
  readonly approval?: ApprovalRequirement;
  readonly grant?: GrantRequirement;
  /** Upstream-started requests: limits on what the rule lets through. */
  readonly limits?: UpstreamRequestLimits;
  /** roots/list: the answer is narrowed to these roots. */
  readonly roots?: readonly string[];
  readonly target: TargetMatcher;
  readonly identity: IdentityMatcher;
  readonly argumentsSchema?: ValidateFunction;
  readonly args: readonly ArgCheck[];
  readonly time?: TimeWindow;
  /** Depends on arguments or time: cannot decide visibility on its own. */
  readonly conditional: boolean;
}

/**
 * Argument schemas: unknown keywords and formats are errors (a typo must not silently match
 * everything), but operators need not spell out `type: object` beside every `properties`, nor declare
 * every `required` field under `properties`.
 * Every `pattern` runs on the linear-time engine.
 */
export function newAjv(): Ajv {
  return new Ajv({
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allErrors: false,
    code: { regExp: safeRegExpEngine },
  });
}

export function compileTargetMatcher(m: MatchConfig | undefined): TargetMatcher {
  const set = (xs: readonly string[] | undefined): GlobSet | undefined =>
    xs === undefined ? undefined : compileGlobSet(xs);
  return {
    methods: set(m?.methods),
    upstreams: set(m?.upstreams),
    tools: set(m?.tools),
    prompts: set(m?.prompts),
    resources: set(m?.resources),
    annotations: m?.annotations ? Object.entries(m.annotations) : undefined,
  };
}

export function compileIdentityMatcher(m: MatchConfig | undefined): IdentityMatcher {
  return {
    subjects: m?.subjects ? compileGlobSet(m.subjects) : undefined,
    groups: m?.groups ? new Set(m.groups) : undefined,
    authMethods: m?.authMethods ? new Set(m.authMethods) : undefined,
    keyNames: m?.keyNames ? compileGlobSet(m.keyNames) : undefined,
  };
}

/** Why the target does not match, or undefined when it does (annotations excluded). */
export function targetMismatch(t: TargetMatcher, method: string, target: CallTarget): string | undefined {
  if (t.methods && !t.methods.test(method)) return 'methods';
  if (t.upstreams && (target.upstream === undefined || !t.upstreams.test(target.upstream)))
    return 'upstreams';
  if (t.tools || t.prompts || t.resources) {
    const { kind, name, uri } = target;
    const ok =
      (t.tools !== undefined && kind === 'tool' && name !== undefined && t.tools.test(name)) ||
      (t.prompts !== undefined &&
        (kind === 'prompt' || kind === 'completion') &&
        name !== undefined &&
        t.prompts.test(name)) ||
      (t.resources !== undefined &&
        (kind === 'resource' || kind === 'completion') &&
        uri !== undefined &&
        t.resources.test(uri));
    if (!ok) return kind === 'tool' ? 'tools' : kind === 'prompt' ? 'prompts' : 'resources';
  }
  return undefined;
}

export function annotationsMismatch(t: TargetMatcher, target: CallTarget): string | undefined {
  if (!t.annotations) return undefined;
  if (target.kind !== 'tool') return 'annotations';
  for (const [key, want] of t.annotations) {
    const have = target.annotations?.[key] ?? ANNOTATION_DEFAULTS[key];
    if (have !== want) return `annotations.${key}`;
  }
  return undefined;
}

export function identityMismatch(m: IdentityMatcher, id: Identity): string | undefined {
  if (m.subjects && !m.subjects.test(id.subject)) return 'subjects';
  if (m.groups && !id.groups.some((g) => m.groups!.has(g))) return 'groups';
  if (m.authMethods && !m.authMethods.has(id.authMethod)) return 'authMethods';
  if (m.keyNames && (id.keyName === undefined || !m.keyNames.test(id.keyName))) return 'keyNames';
  return undefined;
}

/** Conditions that depend on the call's arguments and the clock. */
export function conditionMismatch(
  rule: CompiledRule,
  args: JsonObject | undefined,
  now: Date,
): string | undefined {
  if (rule.time && !rule.time.contains(now)) return 'time';
  if (rule.argumentsSchema && !rule.argumentsSchema(args ?? {})) {
    const e = rule.argumentsSchema.errors?.[0];
    return `arguments: ${e ? `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}` : 'do not match'}`;
  }
  for (const check of rule.args) {
    const why = check(args);
    if (why !== undefined) return `args: ${why}`;
  }
  return undefined;
}

export interface CompileOptions {
  readonly secrets?: SecretScanner;
}

/** A problem in the policy section: `path` is relative to the section (`['rules', 3, 'match']`). */
export interface PolicyIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `['match', 'args', 0]` → `match.args[0]`. */
export function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Compiles every rule; collects every error (with its rule path) instead of stopping at the first. */
export function compileRules(
  rules: readonly RuleConfig[],
  opts: CompileOptions,
): { rules: CompiledRule[]; errors: string[]; issues: PolicyIssue[] } {
  const ajv = newAjv();
  const errors: string[] = [];
  const issues: PolicyIssue[] = [];
  const out: CompiledRule[] = [];
  const seen = new Set<string>();
  rules.forEach((r, index) => {
    const where = `policy.rules[${index}] (${r.name})`;
    const fail = (msg: string, sub: readonly (string | number)[] = []): void => {
      errors.push(`${where}: ${sub.length > 0 ? `${pathText(sub)}: ` : ''}${msg}`);
      issues.push({ path: ['rules', index, ...sub], message: `rule "${r.name}": ${msg}` });
    };
    if (seen.has(r.name)) fail('duplicate rule name');
    seen.add(r.name);
    try {
      const m = r.match;
      let argumentsSchema: ValidateFunction | undefined;
      if (m?.arguments) {
        try {
          argumentsSchema = ajv.compile(m.arguments);
        } catch (err) {
          fail(err instanceof Error ? err.message : String(err), ['match', 'arguments']);
        }
      }
      const args: ArgCheck[] = [];
      (m?.args ?? []).forEach((a, k) => {
        try {
          args.push(compileArgMatcher(a, opts.secrets));
        } catch (err) {
          fail(err instanceof Error ? err.message : String(err), ['match', 'args', k]);
        }
      });
      let time: TimeWindow | undefined;
      if (m?.time) {
        try {
          time = compileTimeWindow(m.time);
        } catch (err) {
          fail(err instanceof Error ? err.message : String(err), ['match', 'time']);
        }
      }
      if (r.action === 'require_approval' && !r.approval) fail('require_approval needs an approval block');
      if (r.action === 'require_grant' && !r.grant) fail('require_grant needs a grant block');
      if (r.approval && r.action !== 'require_approval')
        fail('approval block on a rule that does not require approval');
      if (r.grant && r.action !== 'require_grant')
        fail('grant block on a rule that does not require a grant');
      if (r.action === 'require_grant' && m?.upstreams === undefined)
        fail('require_grant rules must name their upstreams (grants are requested per upstream)', ['match']);
      const serverRequests = SERVER_REQUEST_METHODS.filter((sr) =>
        (m?.methods ?? []).some((g) => compileGlobSet([g]).test(sr)),
      );
      if ((r.limits || r.roots) && serverRequests.length === 0)
        fail(
          '`limits` and `roots` apply to upstream-started requests: name sampling/createMessage, elicitation/create or roots/list in match.methods',
        );
      if (r.roots && !serverRequests.includes('roots/list'))
        fail('`roots` narrows roots/list answers: name roots/list in match.methods');
      if (r.action === 'require_grant' && serverRequests.length > 0)
        fail(
          'require_grant does not apply to upstream-started requests (they have no caller to hold a grant)',
        );
      const approval: ApprovalRequirement | undefined = r.approval && {
        reviewers: r.approval.reviewers,
        approvals: r.approval.approvals,
        timeoutMs: r.approval.timeout,
        mode: r.approval.mode,
        allowSelfApproval: r.approval.allowSelfApproval,
      };
      const grant: GrantRequirement | undefined = r.grant && {
        maxDurationMs: r.grant.maxDuration,
        reviewers: r.grant.reviewers,
      };
      out.push({
        index,
        name: r.name,
        action: r.action,
        ...(r.message !== undefined ? { message: r.message } : {}),
        ...(approval ? { approval } : {}),
        ...(grant ? { grant } : {}),
        ...(r.limits ? { limits: r.limits } : {}),
        ...(r.roots ? { roots: r.roots } : {}),
        target: compileTargetMatcher(m),
        identity: compileIdentityMatcher(m),
        ...(argumentsSchema ? { argumentsSchema } : {}),
        args,
        ...(time ? { time } : {}),
        conditional: argumentsSchema !== undefined || args.length > 0 || time !== undefined,
      });
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
  });
  return { rules: out, errors, issues };
}
