import type { CallTarget, Decision, Identity, JsonObject } from '@mcpgate/core';
import type { ActionName } from './config.js';

/** What the approvals package needs to hold a call (from the rule's `approval` block). */
export interface ApprovalRequirement {
  readonly reviewers: readonly string[];
  /** Distinct people who must approve. */
  readonly approvals: number;
  readonly timeoutMs: number;
  readonly mode: 'wait' | 'defer';
  readonly allowSelfApproval: boolean;
}

/** A rule's limits on upstream-started requests (sampling, elicitation, roots). */
export interface UpstreamRequestLimits {
  /** Most such requests one downstream call may cause. */
  readonly maxPerCall?: number;
  /** sampling/createMessage: the most `maxTokens` a request may ask for. */
  readonly maxTokens?: number;
}

export interface GrantRequirement {
  readonly maxDurationMs: number;
  readonly reviewers: readonly string[];
}

/**
 * Core's Decision plus what the chain needs to act on it. JSON-serializable: it is stored as
 * `ctx.notes.decision` and lands in the audit record as is.
 */
export interface PolicyDecision extends Decision {
  readonly action: ActionName;
  /** Rule name; absent when the default action decided. */
  readonly rule?: string;
  readonly reason: string;
  readonly policyVersion: string;
  /** For deny: the message for the caller; for confirm: the question. */
  readonly message?: string;
  readonly approval?: ApprovalRequirement;
  readonly grant?: GrantRequirement;
  readonly limits?: UpstreamRequestLimits;
  readonly roots?: readonly string[];
}

/** Everything a decision depends on. Built from a CallContext by `inputFromCall`. */
export interface PolicyInput {
  readonly identity: Identity;
  readonly method: string;
  readonly target: CallTarget;
  /**
   * `params.arguments` of tools/call and prompts/get; for an upstream-started request, its params
   * (so `args` checks can look into a sampling prompt); absent otherwise.
   */
  readonly arguments?: JsonObject;
  readonly now: Date;
}

/** One rule's verdict during explain: matched, or the first condition that did not. */
export interface RuleTrace {
  readonly rule: string;
  readonly index: number;
  readonly action: ActionName;
  readonly matched: boolean;
  /** Why it did not match (`groups`, `arguments: must have required property 'path'`, …). */
  readonly failed?: string;
}

export interface Explanation {
  readonly decision: PolicyDecision;
  /** Rules in order up to and including the deciding one. */
  readonly considered: readonly RuleTrace[];
}

/**
 * Secret detection for `secrets:` argument matchers — a port: the gateway's composition root
 * injects the masking package's detectors (policy does not depend on masking). Returns the first
 * detector name that fires, or undefined.
 */
export interface SecretScanner {
  readonly detectors: readonly string[];
  scan(text: string, only?: readonly string[]): string | undefined;
}
