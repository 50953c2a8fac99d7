export { loadConfig } from './load.js';
export { readSecretFile, SECRET_FILE_MAX_BYTES } from './secret-file.js';
export { findConfigPath, CONFIG_ENV, DEFAULT_CONFIG_FILE } from './discover.js';
export type { FindConfigOptions, FindConfigResult } from './discover.js';
export { configHash } from './hash.js';
export { withSectionDefaults } from './defaults.js';
export { formatIssue } from './format.js';
export { formatDuration, parseDuration, requireDuration } from './duration.js';
export type {
  CheckedSection,
  ConfigIssue,
  GatewayConfig,
  LoadOptions,
  LoadResult,
  PathSegment,
  ReadFile,
  SectionChecks,
  SectionIssue,
} from './types.js';

export { configSchema, SECTIONS } from './schema/root.js';
export type { SectionName } from './schema/root.js';
export { duration, filePath, emptySection, DURATION_PATTERN, NAME_PATTERN } from './schema/common.js';
export type { UpstreamSection, UpstreamsSection } from './schema/upstreams.js';
export type { NamingSection } from './schema/naming.js';
export type { LimitsSection } from './schema/limits.js';
export type { LoggingSection } from './schema/logging.js';
export type { StoreSection } from './schema/store.js';
export type { AuditSection } from './schema/audit.js';
export type { ServerSection } from './schema/server.js';
export type { AuthSection } from './schema/auth.js';
export type { PolicySection } from './schema/policy.js';
export type { MaskingSection } from './schema/masking.js';
export type { ApprovalsSection } from './schema/approvals.js';
export type { ConsoleSection } from './schema/console.js';
export { maskingSchema } from './schema/masking.js';
export { ASYMMETRIC_ALGORITHMS } from './schema/auth.js';
