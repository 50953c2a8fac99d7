import { BUILTIN_DETECTORS } from '../src/detectors/registry.js';
import { scanText } from '../src/scan.js';

/** The values each detector finds in `text` (all built-ins on, overlaps resolved). */
export function found(text: string, id?: string): string[] {
  return scanText(text, BUILTIN_DETECTORS)
    .filter((m) => id === undefined || m.detector === id)
    .map((m) => text.slice(m.start, m.end));
}
