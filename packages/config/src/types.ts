import type { NamingOptions, UpstreamSpec } from '@mcpgate/core';
import type { ApprovalsSection } from './schema/approvals.js';
import type { AuditSection } from './schema/audit.js';
import type { AuthSection } from './schema/auth.js';
import type { ConsoleSection } from './schema/console.js';
import type { LimitsSection } from './schema/limits.js';
import type { LoggingSection } from './schema/logging.js';
import type { MaskingSection } from './schema/masking.js';
import type { PolicySection } from './schema/policy.js';
import type { ServerSection } from './schema/server.js';
import type { StoreSection } from './schema/store.js';
import type { TracingSection } from './schema/tracing.js';

export type PathSegment = string | number;

/** One problem found in a config file. `path` is the YAML path (`upstreams.docs.transport`), '' for the whole file. */
export interface ConfigIssue {
  readonly path: string;
  /** 1-based; absent only when no position applies (e.g. the file cannot be read). */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/**
 * The loaded configuration: validated, defaults applied, references resolved, durations in
 * milliseconds, relative paths made absolute — and deeply frozen.
 */
export interface GatewayConfig {
  /** Absolute directory of the config file; relative paths in any section resolve against it. */
  readonly baseDir: string;
  /** Enabled upstreams, in file order (disabled ones are left out). */
  readonly upstreams: readonly UpstreamSpec[];
  readonly naming: NamingOptions;
  readonly limits: LimitsSection;
  readonly logging: LoggingSection;
  readonly store: StoreSection;
  readonly audit: AuditSection;
  readonly server: ServerSection;
  readonly auth: AuthSection;
  readonly policy: PolicySection;
  readonly masking: MaskingSection;
  readonly approvals: ApprovalsSection;
  readonly console: ConsoleSection;
  readonly tracing: TracingSection;
}

export type LoadResult =
  | { readonly ok: true; readonly config: GatewayConfig; readonly warnings: readonly ConfigIssue[] }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

export type ReadFile = (path: string) => Promise<string>;

/** A problem a section check found; `path` is relative to the section (`['rules', 3, 'match']`). */
export interface SectionIssue {
  readonly path: readonly PathSegment[];
  /** Must not quote secret values: it is printed and may be logged. */
  readonly message: string;
  /** Default `error`; warnings do not fail the load. */
  readonly severity?: 'error' | 'warning';
}

/** Sections whose owners may add load-time checks (upstreams and naming are checked here). */
export type CheckedSection =
  | 'limits'
  | 'logging'
  | 'store'
  | 'audit'
  | 'server'
  | 'auth'
  | 'policy'
  | 'masking'
  | 'approvals'
  | 'console'
  | 'tracing';

/**
 * Load-time checks contributed by the concern packages, keyed by section. Each receives its section
 * as loaded (frozen, references resolved, durations in ms, paths absolute) and the whole config.
 */
export type SectionChecks = {
  readonly [K in CheckedSection]?: (
    section: GatewayConfig[K],
    config: GatewayConfig,
  ) => readonly SectionIssue[];
};

export interface LoadOptions {
  /** Config file path; relative paths resolve against `cwd`. */
  readonly path: string;
  /** Environment for `${env:NAME}` references (pass `process.env` from the CLI). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads the config file and `${file:…}` references as UTF-8; defaults to node:fs. */
  readonly readFile?: ReadFile;
  /**
   * Reads `${file:…}` references; defaults to a reader that accepts regular files of at most
   * 1 MiB (`readFile` when only that is given).
   */
  readonly readSecretFile?: ReadFile;
  /** Extra per-section checks; their issues are reported with path and line like all others. */
  readonly checks?: SectionChecks;
  /**
   * Default true. False leaves `${…}` references under `upstreams` as written, unresolved: for
   * commands that never start an upstream (keys, audit, approvals…), which then need none of the
   * upstreams' secrets in their environment.
   */
  readonly resolveUpstreamSecrets?: boolean;
}
