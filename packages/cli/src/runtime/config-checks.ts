import type { SectionChecks } from '@mcpgate/config';
import { consoleConfigIssues } from '@mcpgate/console';
import { maskingConfigIssues } from '@mcpgate/masking';
import { hiddenUpstreamWarnings, policyConfigIssues } from '@mcpgate/policy';
import { tracingConfigIssues } from './tracing-config.js';
import { policyBuildOptions } from './policy-secrets.js';

/**
 * Load-time checks the concern packages contribute (what JSON Schema cannot express). The gateway's
 * own config loading must pass the same set, so `validate` accepts exactly what the gateway does.
 */
export const CONFIG_CHECKS: SectionChecks = {
  masking: (section) => maskingConfigIssues(section),
  policy: (section) => policyConfigIssues(section, policyBuildOptions()),
  console: (section, config) => consoleConfigIssues(section, config),
  tracing: (section) => tracingConfigIssues(section),
};

/**
 * CONFIG_CHECKS plus warnings that only matter to what a gateway will serve (an upstream the
 * policy hides from everyone): for `validate`, `stdio`, `serve` and reloads, not for every
 * operator command that happens to read the same file.
 */
export const SERVING_CHECKS: SectionChecks = {
  ...CONFIG_CHECKS,
  policy: (section, config) => {
    const errors = policyConfigIssues(section, policyBuildOptions());
    // Only a policy that compiles is worth reasoning about.
    return errors.length > 0
      ? errors
      : hiddenUpstreamWarnings(
          section,
          config.upstreams.map((u) => u.name),
        );
  },
};
