import type { SchemaIssue } from './schema-check.js';
import type { CheckedSection, GatewayConfig, SectionChecks, SectionIssue } from './types.js';

/**
 * Runs the concern packages' own load-time checks (things JSON Schema cannot say: a regex that
 * could backtrack catastrophically, a rule naming an upstream that does not exist…) on the
 * finished, frozen config, and turns their section-relative paths into file paths so they are
 * reported with a line like every other error. A check that throws is reported, not swallowed:
 * a config whose checks cannot run is not a valid config.
 */
export function runSectionChecks(
  config: GatewayConfig,
  checks: SectionChecks,
): { errors: SchemaIssue[]; warnings: SchemaIssue[] } {
  const errors: SchemaIssue[] = [];
  const warnings: SchemaIssue[] = [];
  for (const name of Object.keys(checks) as CheckedSection[]) {
    const check = checks[name] as
      ((section: unknown, config: GatewayConfig) => readonly SectionIssue[]) | undefined;
    if (!check) continue;
    let issues: readonly SectionIssue[];
    try {
      issues = check(config[name], config);
    } catch (err) {
      errors.push({
        path: [name],
        message: `check failed: ${err instanceof Error ? err.message : String(err)}`,
      });
      continue;
    }
    for (const issue of issues) {
      (issue.severity === 'warning' ? warnings : errors).push({
        path: [name, ...issue.path],
        message: issue.message,
      });
    }
  }
  return { errors, warnings };
}
