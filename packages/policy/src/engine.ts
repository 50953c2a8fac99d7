import type { CallTarget, CatalogKind, Identity } from '@mcpgate/core';
import type { PolicyConfig } from './config.js';
import type { CompiledRateLimit } from './ratelimit/compile.js';
import {
  annotationsMismatch,
  conditionMismatch,
  identityMismatch,
  targetMismatch,
  type CompiledRule,
} from './rules/compile.js';
import type { Explanation, PolicyDecision, PolicyInput, RuleTrace } from './types.js';
import { isUpstreamRequest, UPSTREAM_REQUEST_KEYS, type UpstreamRequestMethod } from './upstream-requests.js';

/** Target kinds that reach an upstream; the configured default applies only to these. */
const UPSTREAM_KINDS = new Set(['tool', 'prompt', 'resource', 'completion']);

/** Per-target candidate lists are cached; resource URIs are unbounded, so the cache is capped. */
const CACHE_LIMIT = 10_000;

/** The method whose rules decide whether a catalog entry is visible at all. */
const LIST_KIND_METHOD: Readonly<Record<CatalogKind, string | undefined>> = {
  tools: 'tools/call',
  prompts: 'prompts/get',
  resources: 'resources/read',
  resourceTemplates: undefined,
};

const KIND_TARGET: Readonly<Record<CatalogKind, CallTarget['kind']>> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resource',
};

/**
 * The policy, compiled: immutable, pure (no I/O, the clock comes in with the input), and cheap
 * to evaluate. Semantics: **ordered first match** — rules are tried top to bottom and the first
 * whose every condition holds decides; when none does, the configured default decides (for calls
 * that reach an upstream) and gateway methods such as lists are allowed (lists are filtered by
 * visibility instead). docs/policy.md explains why first-match rather than deny-overrides.
 *
 * Speed: a rule's target part (method, upstream, tool/prompt/resource globs) depends only on the
 * target, so the rules that can apply to one target are computed once and cached; a call then
 * checks only those for identity, annotations, arguments and time.
 */
export class PolicyEngine {
  private readonly cache = new Map<string, readonly CompiledRule[]>();

  constructor(
    readonly config: PolicyConfig,
    readonly rules: readonly CompiledRule[],
    /** Hash of the policy config: recorded with every decision. */
    readonly version: string,
    readonly limits: readonly CompiledRateLimit[] = [],
  ) {}

  /**
   * The deciding rule only — the hot path. An upstream-started request (sampling, elicitation,
   * roots) is decided only by rules whose `methods` name it — a broad "allow this tool" never lets
   * an upstream use the client's model — and otherwise by `upstreamRequests`.
   */
  evaluate(input: PolicyInput): PolicyDecision {
    const upstreamRequest = isUpstreamRequest(input.method);
    for (const rule of this.candidates(input.method, input.target)) {
      if (upstreamRequest && !rule.target.methods) continue;
      if (identityMismatch(rule.identity, input.identity) !== undefined) continue;
      if (annotationsMismatch(rule.target, input.target) !== undefined) continue;
      if (rule.conditional && conditionMismatch(rule, input.arguments, input.now) !== undefined) continue;
      return this.fromRule(rule);
    }
    return upstreamRequest ? this.upstreamDefault(input.method) : this.fallback(input.target);
  }

  /** The secure default for an upstream-started request no rule decided. */
  upstreamDefault(method: UpstreamRequestMethod): PolicyDecision {
    const key = UPSTREAM_REQUEST_KEYS[method];
    const action = this.config.upstreamRequests[key];
    return {
      action,
      reason: `no rule names ${method}; policy.upstreamRequests.${key} is ${action}`,
      policyVersion: this.version,
    };
  }

  /** Same decision as evaluate, plus every rule tried up to the deciding one and why each missed. */
  explain(input: PolicyInput): Explanation {
    const considered: RuleTrace[] = [];
    const upstreamRequest = isUpstreamRequest(input.method);
    for (const rule of this.rules) {
      const failed =
        (upstreamRequest && !rule.target.methods ? 'methods (not named)' : undefined) ??
        targetMismatch(rule.target, input.method, input.target) ??
        identityMismatch(rule.identity, input.identity) ??
        annotationsMismatch(rule.target, input.target) ??
        conditionMismatch(rule, input.arguments, input.now);
      considered.push({
        rule: rule.name,
        index: rule.index,
        action: rule.action,
        matched: failed === undefined,
        ...(failed !== undefined ? { failed } : {}),
      });
      if (failed === undefined) return { decision: this.fromRule(rule), considered };
    }
    return {
      decision: upstreamRequest ? this.upstreamDefault(input.method) : this.fallback(input.target),
      considered,
    };
  }

  /**
   * Hidden means the identity could never call it: every rule that can apply, in order, either
   * is a deny or depends on arguments/time and is a deny, until an unconditional rule (or the
   * default) denies. An argument-dependent allow keeps the entry visible.
   */
  isHidden(identity: Identity, kind: CatalogKind, target: CallTarget): boolean {
    const method = LIST_KIND_METHOD[kind];
    if (method === undefined) return false;
    const t: CallTarget = { ...target, kind: KIND_TARGET[kind] };
    for (const rule of this.candidates(method, t)) {
      if (identityMismatch(rule.identity, identity) !== undefined) continue;
      if (annotationsMismatch(rule.target, t) !== undefined) continue;
      if (rule.conditional) {
        if (rule.action !== 'deny') return false;
        continue;
      }
      return rule.action === 'deny';
    }
    return this.config.default === 'deny';
  }

  /** require_grant rules that apply to this identity on this upstream (and tool, when named). */
  grantRulesFor(identity: Identity, upstream: string, tool?: string): CompiledRule[] {
    return this.rules.filter((r) => {
      if (r.action !== 'require_grant') return false;
      if (identityMismatch(r.identity, identity) !== undefined) return false;
      if (!r.target.upstreams?.test(upstream)) return false;
      if (tool !== undefined && r.target.tools && !r.target.tools.test(tool)) return false;
      return true;
    });
  }

  rule(name: string): CompiledRule | undefined {
    return this.rules.find((r) => r.name === name);
  }

  private candidates(method: string, target: CallTarget): readonly CompiledRule[] {
    const key = `${method}\u0000${target.kind}\u0000${target.upstream ?? ''}\u0000${target.name ?? ''}\u0000${target.uri ?? ''}`;
    let list = this.cache.get(key);
    if (list === undefined) {
      list = this.rules.filter((r) => targetMismatch(r.target, method, target) === undefined);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, list);
    }
    return list;
  }

  private fromRule(rule: CompiledRule): PolicyDecision {
    return {
      action: rule.action,
      rule: rule.name,
      reason: `rule "${rule.name}" matched`,
      policyVersion: this.version,
      ...(rule.message !== undefined ? { message: rule.message } : {}),
      ...(rule.approval ? { approval: rule.approval } : {}),
      ...(rule.grant ? { grant: rule.grant } : {}),
      ...(rule.limits ? { limits: rule.limits } : {}),
      ...(rule.roots ? { roots: rule.roots } : {}),
    };
  }

  private fallback(target: CallTarget): PolicyDecision {
    if (!UPSTREAM_KINDS.has(target.kind)) {
      return {
        action: 'allow',
        reason: 'no rule matched a gateway method (lists are filtered by visibility)',
        policyVersion: this.version,
      };
    }
    return {
      action: this.config.default,
      reason: `no rule matched; default is ${this.config.default}`,
      policyVersion: this.version,
      ...(this.config.default === 'deny' && this.config.defaultMessage !== undefined
        ? { message: this.config.defaultMessage }
        : {}),
    };
  }
}
