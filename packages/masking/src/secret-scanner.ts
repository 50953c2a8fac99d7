import { BUILTIN_DETECTORS } from './detectors/registry.js';
import type { Detector } from './detectors/types.js';
import { scanText } from './scan.js';

/**
 * The masking detectors as a text scanner for policy's `secrets:` argument matchers, so what
 * policy blocks in arguments and what masking redacts in results are the same definitions. Policy
 * does not import masking: the gateway's composition root injects this (policy's `SecretScanner`
 * port). `scan` with no list means every detector of kind `secret`; a list may name any detector id
 * (e.g. `card`, `email`). Returns the first detector that fires, or undefined.
 */
export interface TextSecretScanner {
  readonly detectors: readonly string[];
  scan(text: string, only?: readonly string[]): string | undefined;
}

export function secretScanner(detectors: readonly Detector[] = BUILTIN_DETECTORS): TextSecretScanner {
  const byId = new Map(detectors.map((d) => [d.id, d]));
  const secretOnes = detectors.filter((d) => d.kind === 'secret');
  return {
    detectors: [...byId.keys()],
    scan(text, only) {
      const set = only
        ? only.map((id) => byId.get(id)).filter((d): d is Detector => d !== undefined)
        : secretOnes;
      return scanText(text, set)[0]?.detector;
    },
  };
}
