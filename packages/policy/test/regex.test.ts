import { describe, expect, it } from 'vitest';
import { UnsafePatternError } from '../src/regex/parse.js';
import { compileSafeRegex } from '../src/regex/vm.js';

describe('safe regex engine agrees with RegExp on supported syntax', () => {
  const cases: [string, string, string[]][] = [
    ['abc', '', ['abc', 'xabcx', 'ab', '']],
    ['^abc$', '', ['abc', 'abcd', ' abc']],
    ['a|bc|d', '', ['a', 'bc', 'b', 'xd']],
    ['^(ab|cd)+$', '', ['abcdab', 'abc', '']],
    ['^a{2,3}$', '', ['a', 'aa', 'aaa', 'aaaa']],
    ['^a{2,}$', '', ['a', 'aa', 'aaaaaa']],
    ['^\\d{3}-\\d{4}$', '', ['555-1234', '55-1234', '5555-1234']],
    ['[a-z]+@[a-z]+\\.com', '', ['me@host.com', 'ME@HOST.COM', 'me@host.org']],
    ['[a-z]+@[a-z]+\\.com', 'i', ['ME@HOST.COM']],
    ['^[^/]+$', '', ['name', 'a/b']],
    ['\\bsecret\\b', '', ['a secret here', 'secretive', 'top-secret']],
    ['^.*$', '', ['one line', 'two\nlines']],
    ['^.*$', 's', ['two\nlines']],
    ['^b$', 'm', ['a\nb\nc', 'abc']],
    ['x?y*z+', '', ['z', 'xyyz', 'xy']],
    ['[\\w.-]+', '', ['a.b-c', '!!']],
    ['\\s', '', ['a b', 'ab']],
    ['(?:ab)?c', '', ['c', 'abc']],
    ['(?<year>\\d{4})', '', ['2026', '26']],
    ['[\\]]', '', [']', 'a']],
    ['\\u00e9', 'u', ['é', 'e']],
    ['^(ab*)?c$', '', ['c', 'abbc', 'ac', 'bc']],
  ];
  for (const [src, flags, inputs] of cases) {
    it(`/${src}/${flags}`, () => {
      const ours = compileSafeRegex(src, flags);
      const theirs = new RegExp(src, flags);
      for (const input of inputs) expect(ours.test(input), JSON.stringify(input)).toBe(theirs.test(input));
    });
  }
});

describe('unsafe patterns are refused at compile time with a clear message', () => {
  const refused: [string, RegExp][] = [
    ['(a)\\1', /backreferences are not supported/],
    ['(?<x>a)\\k<x>', /backreferences are not supported/],
    ['a(?=b)', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['(a+)+$', /nested quantifier/],
    ['(a*)*', /nested quantifier/],
    ['(a|aa)+', /nested quantifier/],
    ['(\\w+\\s?)*$', /nested quantifier/],
    ['a{2000}', /repeat bound/],
    ['*a', /nothing to repeat/],
    ['(a', /missing "\)"/],
  ];
  for (const [src, msg] of refused) {
    it(`/${src}/`, () => {
      expect(() => compileSafeRegex(src)).toThrow(UnsafePatternError);
      expect(() => compileSafeRegex(src)).toThrow(msg);
    });
  }
  it('refuses programs that would expand too far', () => {
    expect(() => compileSafeRegex('(x{999}){999}')).toThrow(/too large/);
  });
});

describe('pathological inputs stay linear', () => {
  it('classic evil-regex shapes that are accepted run in linear time', () => {
    // Not nested, but exponential/polynomial on a backtracking engine for a failing suffix.
    const patterns = ['^(a|b)*c$', '.*.*.*.*=x$', '^\\s*\\s*\\s*$', '(x+x+)y'.replace('(x+x+)', 'x+x+')];
    const input = `${'a'.repeat(50_000)}!`;
    for (const p of patterns) {
      const re = compileSafeRegex(p);
      const t0 = performance.now();
      re.test(input);
      re.test(' '.repeat(20_000) + 'x');
      expect(performance.now() - t0, p).toBeLessThan(2000);
    }
  });
});
