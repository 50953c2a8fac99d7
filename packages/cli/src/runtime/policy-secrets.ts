import { secretScanner } from '@mcpgate/masking';
import type { BuildOptions, SecretScanner } from '@mcpgate/policy';

let scanner: SecretScanner | undefined;

/**
 * What every policy build in the CLI is handed: policy's `secrets:` matchers use the masking
 * detectors, injected here (the composition root) because policy does not import masking. Every
 * command and the gateway share it, so `validate`, `policy test|explain` and `serve` agree.
 */
export function policyBuildOptions(): BuildOptions {
  return { secrets: (scanner ??= secretScanner()) };
}
