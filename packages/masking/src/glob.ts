/**
 * `*` (any run) and `?` (one character) glob match on names (upstreams, tools, prompts, URIs).
 * Greedy two-pointer algorithm: O(name × pattern) worst case, no regex, no backtracking blow-up.
 */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function anyGlob(patterns: readonly string[] | undefined, name: string | undefined): boolean {
  if (!patterns) return true;
  if (name === undefined) return false;
  return patterns.some((g) => globMatch(g, name));
}
