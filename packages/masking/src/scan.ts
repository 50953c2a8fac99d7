import type { Detector, Match } from './detectors/types.js';

function hasAsciiDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/**
 * Runs the detectors (skipping digit-based ones on text without digits), then keeps a
 * non-overlapping set of matches: where two overlap, the higher priority wins, then the longer.
 */
export function scanText(text: string, detectors: readonly Detector[]): Match[] {
  if (text.length === 0) return [];
  let digit: boolean | undefined;
  const found: Match[] = [];
  for (const d of detectors) {
    // No other prefilter: each detector starts with its own literal search (indexOf or a regex
    // with a literal/class head), which is as cheap as a separate `includes` would be.
    if (d.minLength !== undefined && text.length < d.minLength) continue;
    if (d.needsDigit) {
      digit ??= hasAsciiDigit(text);
      if (!digit) continue;
    }
    d.find(text, found);
  }
  return resolveOverlaps(found);
}

export function resolveOverlaps(found: Match[]): Match[] {
  if (found.length <= 1) return found;
  found.sort((a, b) => a.start - b.start || b.priority - a.priority || b.end - a.end);
  const kept: Match[] = [];
  for (const m of found) {
    let wins = true;
    while (kept.length > 0 && kept[kept.length - 1]!.end > m.start) {
      const top = kept[kept.length - 1]!;
      if (
        m.priority > top.priority ||
        (m.priority === top.priority && m.end - m.start > top.end - top.start)
      ) {
        kept.pop();
      } else {
        wins = false;
        break;
      }
    }
    if (wins) kept.push(m);
  }
  return kept;
}
