/**
 * Globs for tool names, upstreams, subjects and URIs: `*` matches any run of characters
 * (including `/`), `?` exactly one, `\` escapes the next character. Everything else is literal.
 *
 * Matching never backtracks across segments: the pattern is split at `*` into fixed-length
 * segments, the first is anchored at the start, the last at the end, and each middle segment is
 * taken at its leftmost occurrence (leftmost is always safe for `*`-only globs). Cost is
 * O(input × pattern) in the worst case — linear in the input for a configured pattern — so a
 * hostile name cannot make a match slow.
 */
export interface Glob {
  readonly source: string;
  /** True when the pattern has no wildcard (lets indexes use it as a map key). */
  readonly literal: string | undefined;
  test(input: string): boolean;
}

/** One fixed-length piece between stars: characters, with `undefined` standing for `?`. */
type Segment = readonly (string | undefined)[];

export function compileGlob(source: string): Glob {
  const segments: Segment[] = [];
  let current: (string | undefined)[] = [];
  let hasWildcard = false;
  let literal = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      current.push(source[++i]);
      literal += source[i];
    } else if (c === '*') {
      hasWildcard = true;
      segments.push(current);
      current = [];
      // Consecutive stars are one star.
      while (source[i + 1] === '*') i++;
    } else if (c === '?') {
      hasWildcard = true;
      current.push(undefined);
    } else {
      current.push(c);
      literal += c;
    }
  }
  segments.push(current);
  if (!hasWildcard) {
    return { source, literal, test: (input) => input === literal };
  }
  return { source, literal: undefined, test: (input) => matchSegments(segments, input) };
}

function segmentAt(seg: Segment, input: string, at: number): boolean {
  if (at + seg.length > input.length) return false;
  for (let j = 0; j < seg.length; j++) {
    const c = seg[j];
    if (c !== undefined && input[at + j] !== c) return false;
  }
  return true;
}

function matchSegments(segments: readonly Segment[], input: string): boolean {
  // segments.length >= 2 here or there is a `?` (then exactly 1 segment, matched whole).
  if (segments.length === 1) {
    const only = segments[0]!;
    return only.length === input.length && segmentAt(only, input, 0);
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  if (first.length + last.length > input.length) return false;
  if (!segmentAt(first, input, 0)) return false;
  const end = input.length - last.length;
  if (!segmentAt(last, input, end)) return false;
  let pos = first.length;
  for (let s = 1; s < segments.length - 1; s++) {
    const seg = segments[s]!;
    let found = -1;
    for (let at = pos; at + seg.length <= end; at++) {
      if (segmentAt(seg, input, at)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + seg.length;
  }
  return true;
}

/** Any-of a list of globs, with literals looked up in a set. An empty list matches nothing. */
export interface GlobSet {
  readonly sources: readonly string[];
  /** Literal entries (for indexing); undefined when any entry has a wildcard. */
  readonly literals: readonly string[] | undefined;
  test(input: string): boolean;
}

export function compileGlobSet(sources: readonly string[]): GlobSet {
  const globs = sources.map(compileGlob);
  const exact = new Set<string>();
  const wild: Glob[] = [];
  for (const g of globs) {
    if (g.literal !== undefined) exact.add(g.literal);
    else wild.push(g);
  }
  return {
    sources,
    literals: wild.length === 0 ? [...exact] : undefined,
    test(input) {
      if (exact.has(input)) return true;
      for (const g of wild) if (g.test(input)) return true;
      return false;
    },
  };
}
