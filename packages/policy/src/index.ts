export { policyConfigSchema } from './config.js';
export type {
  ActionName,
  ArgMatcherConfig,
  MatchConfig,
  PinningMode,
  PolicyConfig,
  RateKey,
  RateLimitConfig,
  RuleConfig,
} from './config.js';
export { buildPolicyEngine, policyConfigIssues, policyVersion } from './build.js';
export { hiddenUpstreamWarnings, upstreamsHiddenFromEveryone } from './hidden-upstreams.js';
export type { BuildOptions, BuildResult } from './build.js';
export { PolicyEngine } from './engine.js';
export { isUpstreamRequest, SERVER_REQUEST_METHODS } from './upstream-requests.js';
export type {
  ApprovalRequirement,
  Explanation,
  GrantRequirement,
  PolicyDecision,
  PolicyInput,
  RuleTrace,
  SecretScanner,
} from './types.js';
export { compileGlob, compileGlobSet } from './match/glob.js';
export type { Glob, GlobSet } from './match/glob.js';
export { normalizePath, pathWithin } from './detect/path.js';
export { findDestructiveSql } from './detect/sql.js';
export { findShellMetachar } from './detect/shell.js';
export { AUTHORIZE_STEPS, createAuthorizeSteps } from './step/authorize.js';
export type { PolicyStepDeps } from './step/authorize.js';
export type {
  ActiveGrant,
  ApprovalGate,
  GrantLookup,
  PinningGuard,
  RateLimitGuard,
  RateVerdict,
} from './step/hooks.js';
export { inputFromCall } from './step/input.js';
export { notFoundError } from './step/hidden.js';
export { combineVisibility, createPolicyVisibility, targetOfEntry } from './visibility.js';
export { inputOfCase, runCases, runPolicyTests } from './testing.js';
export type { PolicyTestCase, PolicyTestReport, PolicyTestResult } from './testing.js';
export { MemoryAuditSink, POLICY_EVENTS, auditSinkFromRecorder } from './audit-sink.js';
export type { EventAppender, PolicyAuditSink } from './audit-sink.js';
export { GrantService } from './grants/service.js';
export type { GrantRequest, GrantServiceOptions } from './grants/service.js';
export { MemoryGrantStore } from './grants/memory-store.js';
export { SqlGrantStore } from './grants/sql-store.js';
export type { GrantFilter, GrantPatch, GrantRecord, GrantStatus, GrantStore } from './grants/types.js';
export { ToolPinning, pinningModeOf } from './pinning/guard.js';
export type { PinChange, PinDiff, ToolPinningOptions } from './pinning/guard.js';
export { MemoryPinStore } from './pinning/memory-store.js';
export { SqlPinStore } from './pinning/sql-store.js';
export { definitionHash, diffDefinitions, pinnedDefinition, PINNED_FIELDS } from './pinning/definition.js';
export type { FieldChange } from './pinning/definition.js';
export { pinStatus } from './pinning/types.js';
export type { PinRecord, PinStatus, PinStore } from './pinning/types.js';
export { RateLimiter } from './ratelimit/limiter.js';
export { MemoryRateCounter, SqlRateCounter } from './ratelimit/counters.js';
export type { RateCounter } from './ratelimit/counters.js';
export type { CompiledRateLimit } from './ratelimit/compile.js';
export type { CompiledRule, PolicyIssue } from './rules/compile.js';
export { PolicyRuntime } from './runtime.js';
export type { PolicyServices, ReloadResult } from './runtime.js';
export { ADMIN_GRANTS_PATH, createGrantsAdminHandler, grantJson } from './admin/grants-handler.js';
