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
export { buildPolicyEngine, policyVersion } from './build.js';
export type { BuildOptions, BuildResult } from './build.js';
export { PolicyEngine } from './engine.js';
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
export { parseDuration, formatDuration } from './match/duration.js';
export { compileSafeRegex, safeRegExpEngine } from './regex/vm.js';
export type { SafeRegex } from './regex/vm.js';
export { UnsafePatternError } from './regex/parse.js';
export { normalizePath, pathWithin } from './detect/path.js';
export { findDestructiveSql } from './detect/sql.js';
export { findShellMetachar } from './detect/shell.js';
export { maskingSecretScanner } from './detect/secrets.js';
