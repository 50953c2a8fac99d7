import { describe, expect, it } from 'vitest';
import { compileGlob, compileGlobSet } from '../src/match/glob.js';

describe('glob', () => {
  const cases: [string, string, boolean][] = [
    ['read_file', 'read_file', true],
    ['read_file', 'read_files', false],
    ['read_*', 'read_file', true],
    ['read_*', 'read_', true],
    ['read_*', 'rea', false],
    ['*_file', 'write_file', true],
    ['*', '', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
    ['a*b*b', 'abb', true],
    ['a*ab', 'aab', true],
    ['a*ab', 'ab', false],
    ['file:///srv/*', 'file:///srv/a/b/c', true],
    ['file:///srv/*', 'file:///etc/passwd', false],
    ['?', 'x', true],
    ['?', 'xy', false],
    ['db-??', 'db-eu', true],
    ['db-??', 'db-e', false],
    ['a?c*', 'abcdef', true],
    ['lit\\*', 'lit*', true],
    ['lit\\*', 'litx', false],
    ['**', 'anything/at/all', true],
  ];
  for (const [pattern, input, want] of cases) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} "${input}"`, () => {
      expect(compileGlob(pattern).test(input)).toBe(want);
    });
  }

  it('exposes literals for indexing', () => {
    expect(compileGlob('exact').literal).toBe('exact');
    expect(compileGlob('ex*').literal).toBeUndefined();
    expect(compileGlobSet(['a', 'b']).literals).toEqual(['a', 'b']);
    expect(compileGlobSet(['a', 'b*']).literals).toBeUndefined();
    expect(compileGlobSet([]).test('x')).toBe(false);
  });

  it('stays fast on pathological inputs (no backtracking across stars)', () => {
    const g = compileGlob('*a*a*a*a*a*a*a*a*a*a*b');
    const input = 'a'.repeat(100_000);
    const t0 = performance.now();
    expect(g.test(input)).toBe(false);
    // A backtracking matcher needs astronomically long here; leftmost segment matching is linear.
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
