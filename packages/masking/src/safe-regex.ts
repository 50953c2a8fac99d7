/**
 * Config-supplied patterns run on every response, so they must not be able to backtrack
 * catastrophically. JavaScript's engine backtracks; rather than trust it, a custom pattern must
 * be *bounded* and *unambiguous in repetition*:
 *
 * - no backreferences (`\1`, `\k<name>`) and no lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`);
 * - no unbounded quantifier (`*`, `+`, `{n,}`): write `{1,64}` instead of `+`, max 256;
 * - no quantified group that contains a quantifier or an alternation (`(a+)+`, `(a|a)*`,
 *   `(?:ab{1,3}){1,4}`), which is where exponential blow-up comes from;
 * - at most 8 quantifiers, and the pattern must not match the empty string.
 *
 * With these, a scan costs at most (input length × a constant fixed by the pattern).
 */
export const MAX_REPEAT = 256;
export const MAX_QUANTIFIERS = 8;
const ALLOWED_FLAGS = new Set(['i', 'm', 's', 'u']);

/** Returns why the pattern is unsafe, or undefined when it is acceptable. */
export function unsafePatternReason(pattern: string, flags = ''): string | undefined {
  for (const f of flags) if (!ALLOWED_FLAGS.has(f)) return `flag "${f}" is not allowed (use i, m, s, u)`;
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    return `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
  // Per open group: whether it contains a quantifier or an alternation.
  const stack: { quantified: boolean; alternation: boolean }[] = [{ quantified: false, alternation: false }];
  let quantifiers = 0;
  // What the last atom was, to know what a quantifier applies to.
  let last: 'none' | 'atom' | 'group' = 'none';
  let lastGroup: { quantified: boolean; alternation: boolean } | undefined;
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const n = pattern[i + 1] ?? '';
      if (/[1-9]/.test(n)) return 'backreferences are not allowed';
      if (n === 'k' && pattern[i + 2] === '<') return 'backreferences are not allowed';
      i += 2;
      last = 'atom';
      continue;
    }
    if (ch === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      last = 'atom';
      continue;
    }
    if (ch === '(') {
      if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i)) return 'lookahead is not allowed';
      if (pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) return 'lookbehind is not allowed';
      stack.push({ quantified: false, alternation: false });
      i += pattern.startsWith('(?:', i) ? 3 : pattern.startsWith('(?<', i) ? pattern.indexOf('>', i) + 1 : 1;
      last = 'none';
      continue;
    }
    if (ch === ')') {
      const g = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      if (g.quantified) parent.quantified = true;
      lastGroup = g;
      last = 'group';
      i++;
      continue;
    }
    if (ch === '|') {
      stack[stack.length - 1]!.alternation = true;
      last = 'none';
      i++;
      continue;
    }
    if (ch === '*' || ch === '+')
      return `unbounded quantifier "${ch}" is not allowed (use {1,${MAX_REPEAT}})`;
    if (ch === '?' || ch === '{') {
      let max = 1;
      let len = 1;
      if (ch === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) {
          last = 'atom'; // a literal "{"
          i++;
          continue;
        }
        if (m[2] !== undefined && m[3] === '') return 'unbounded quantifier "{n,}" is not allowed';
        max = Number(m[3] ?? m[1]);
        len = m[0].length;
        if (max > MAX_REPEAT) return `repetition bound ${max} exceeds ${MAX_REPEAT}`;
      }
      if (last === 'none') return 'quantifier without an atom';
      if (last === 'group' && lastGroup && max > 1 && (lastGroup.quantified || lastGroup.alternation))
        return 'a repeated group must not contain a quantifier or an alternation (nested quantifiers)';
      quantifiers++;
      if (quantifiers > MAX_QUANTIFIERS) return `more than ${MAX_QUANTIFIERS} quantifiers`;
      stack[stack.length - 1]!.quantified = true;
      i += len;
      if (pattern[i] === '?') i++; // lazy
      last = 'none';
      continue;
    }
    last = 'atom';
    i++;
  }
  if (new RegExp(pattern, flags).test('')) return 'the pattern matches the empty string';
  return undefined;
}
