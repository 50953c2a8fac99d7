import { BUILTIN_DETECTORS, scanText, type Detector } from '@mcpgate/masking';
import type { SecretScanner } from '../types.js';

/**
 * `secrets:` matchers reuse the masking package's detectors, so what policy blocks in arguments
 * and what masking redacts in results are the same definitions. `secrets: true` means every
 * detector of kind `secret`; a list may name any detector id (e.g. `card`, `email`).
 */
export function maskingSecretScanner(detectors: readonly Detector[] = BUILTIN_DETECTORS): SecretScanner {
  const byId = new Map(detectors.map((d) => [d.id, d]));
  const secretOnes = detectors.filter((d) => d.kind === 'secret');
  return {
    detectors: [...byId.keys()],
    scan(text, only) {
      const set = only
        ? only.map((id) => byId.get(id)).filter((d): d is Detector => d !== undefined)
        : secretOnes;
      const found = scanText(text, set);
      return found[0]?.detector;
    },
  };
}
