import { findPrefixedTokens, isPrefixedTokenDetector } from './detectors/tokens.js';
import type { Detector, Match } from './detectors/types.js';

function hasAsciiDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** Indices of the prefixed token detectors in a detector list (null: fewer than two), per list. */
const prefixedIndices = new WeakMap<readonly Detector[], readonly number[] | null>();

function prefixedIndicesOf(detectors: readonly Detector[]): readonly number[] | null {
  let idx = prefixedIndices.get(detectors);
  if (idx === undefined) {
    const found: number[] = [];
    const seen = new Set<string>();
    let duplicate = false;
    detectors.forEach((d, i) => {
      if (!isPrefixedTokenDetector(d) || d.needsDigit) return;
      if (seen.has(d.id)) duplicate = true;
      seen.add(d.id);
      found.push(i);
    });
    // A detector listed twice pushes its matches twice; the merged scan would find them once.
    idx = found.length >= 2 && !duplicate ? found : null;
    prefixedIndices.set(detectors, idx);
  }
  return idx;
}

/**
 * The prefixed token detectors (`ghp_`, `AKIA`, `xoxb-`…) that apply to `text`, run together in
 * one regex pass: per detector index, the matches its own `find` would have pushed.
 */
function prefixedBuckets(text: string, detectors: readonly Detector[]): (Match[] | undefined)[] | undefined {
  const idx = prefixedIndicesOf(detectors);
  if (idx === null) return undefined;
  const active: Detector[] = [];
  const at: number[] = [];
  for (const i of idx) {
    const d = detectors[i]!;
    if (d.minLength !== undefined && text.length < d.minLength) continue;
    active.push(d);
    at.push(i);
  }
  if (active.length < 2) return undefined;
  const out = active.map((): Match[] => []);
  findPrefixedTokens(text, active, out);
  const buckets = new Array<Match[] | undefined>(detectors.length);
  for (let k = 0; k < at.length; k++) buckets[at[k]!] = out[k];
  return buckets;
}

/**
 * Runs the detectors (skipping digit-based ones on text without digits), then keeps a
 * non-overlapping set of matches: where two overlap, the higher priority wins, then the longer.
 */
export function scanText(text: string, detectors: readonly Detector[]): Match[] {
  if (text.length === 0) return [];
  let digit: boolean | undefined;
  const found: Match[] = [];
  // Matches are appended in detector order either way: equal matches (same span and priority)
  // keep the first detector's, so the order in `found` is part of the behaviour.
  const buckets = prefixedBuckets(text, detectors);
  for (let i = 0; i < detectors.length; i++) {
    const d = detectors[i]!;
    // No other prefilter: each detector starts with its own literal search (indexOf or a regex
    // with a literal/class head), which is as cheap as a separate `includes` would be.
    if (d.minLength !== undefined && text.length < d.minLength) continue;
    if (d.needsDigit) {
      digit ??= hasAsciiDigit(text);
      if (!digit) continue;
    }
    const bucket = buckets?.[i];
    if (bucket !== undefined) {
      for (const m of bucket) found.push(m);
      continue;
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
