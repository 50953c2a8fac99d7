import type { SectionChecks } from '@mcpgate/config';
import { consoleConfigIssues } from '@mcpgate/console';
import { maskingConfigIssues } from '@mcpgate/masking';
import { policyConfigIssues } from '@mcpgate/policy';

/**
 * Load-time checks the concern packages contribute (what JSON Schema cannot express). The gateway's
 * own config loading must pass the same set, so `validate` accepts exactly what the gateway does.
 */
export const CONFIG_CHECKS: SectionChecks = {
  masking: (section) => maskingConfigIssues(section),
  policy: (section) => policyConfigIssues(section),
  console: (section, config) => consoleConfigIssues(section, config),
};
