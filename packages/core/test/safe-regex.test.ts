import { describe, expect, it } from 'vitest';
import { UnsafePatternError, unsafePatternReason } from '../src/regex/parse.js';
import { compileSafeRegex } from '../src/regex/vm.js';

// One rule set for every configured pattern: policy's (linear engine, compileSafeRegex) and
// masking's custom patterns (backtracking engine, unsafePatternReason: the rules plus three more).

describe('safe regex engine agrees with RegExp on supported syntax', () => {
  const cases: [string, string, string[]][] = [
    ['abc', '', ['abc', 'xabcx', 'ab', '']],
    ['^abc$', '', ['abc', 'abcd', ' abc']],
    ['a|bc|d', '', ['a', 'bc', 'b', 'xd']],
    ['^(ab|cd)$', '', ['ab', 'cd', 'abcd']],
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
    // The stricter of the two former rule sets: any quantifier or alternation in a repeated group.
    ['^(ab|cd)+$', /nested quantifier/],
    ['(?:ab{2}){1,4}', /nested quantifier/],
    ['(a{1,2}){3}', /nested quantifier/],
    ['a{2000}', /repeat bound 2000 exceeds 256/],
    ['a{257}', /repeat bound 257 exceeds 256/],
    ['*a', /nothing to repeat/i],
    ['a{', /nothing to repeat/],
    ['(a', /not a valid regular expression/],
    ['^(a|b)*c$', /nested quantifier/],
  ];
  for (const [src, msg] of refused) {
    it(`/${src}/`, () => {
      expect(() => compileSafeRegex(src)).toThrow(UnsafePatternError);
      expect(() => compileSafeRegex(src)).toThrow(msg);
    });
  }
  it('refuses flags other than imsu, naming the flag', () => {
    expect(() => compileSafeRegex('abc', 'g')).toThrow(
      'pattern /abc/: flag "g" is not allowed (use i, m, s, u)',
    );
  });
  it('names the pattern, the rule and the offset', () => {
    expect(() => compileSafeRegex('x(a+)+')).toThrow(
      /^pattern \/x\(a\+\)\+\/: nested quantifiers .* at offset 6$/,
    );
  });
  it('refuses programs that would expand too far', () => {
    expect(() => compileSafeRegex('x{256}'.repeat(80))).toThrow(/too large/);
  });
});

describe('patterns for the backtracking engine (masking) obey the same rules and three more', () => {
  it.each([
    ['(a+)+', /unbounded/],
    ['(a|a)*', /unbounded/],
    ['a{1,}', /unbounded/],
    ['(a|aa){1,20}', /nested quantifiers/],
    ['(?:ab{1,3}){1,4}', /nested quantifiers/],
    ['((x{1,2})){2,3}', /nested quantifiers/],
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['a(?=b)', /lookahead/],
    ['(?<!x)a', /lookbehind/],
    ['a{1,1000}', /exceeds/],
    ['a{1}b{1}c{1}d{1}e{1}f{1}g{1}h{1}i{1}', /more than 8 quantifiers/],
    ['a?', /empty string/],
    ['(', /not a valid/],
  ])('rejects %s', (pattern, why) => {
    expect(unsafePatternReason(pattern)).toMatch(why);
  });

  it('rejects unknown flags', () => {
    expect(unsafePatternReason('abc', 'gy')).toMatch(/flag "g"/);
  });

  it.each([
    'EMP-[0-9]{6}',
    'ACME-[A-Z]{2}[0-9]{4,8}',
    '(?:INV|ORD)-[0-9]{1,12}',
    'x[+*]{1,3}y',
    '(ab)?c',
    'a\\{2\\}',
  ])('accepts %s', (pattern) => {
    expect(unsafePatternReason(pattern)).toBeUndefined();
  });

  it('what it accepts, the linear engine accepts too (one rule set)', () => {
    for (const p of ['EMP-[0-9]{6}', '(?:INV|ORD)-[0-9]{1,12}', 'x[+*]{1,3}y', '(ab)?c'])
      expect(compileSafeRegex(p).test(p.includes('EMP') ? 'EMP-123456' : 'nothing')).toBe(p.includes('EMP'));
  });
});

describe('pathological inputs stay linear', () => {
  it('classic evil-regex shapes that are accepted run in linear time', () => {
    // Not nested, but exponential/polynomial on a backtracking engine for a failing suffix.
    const patterns = ['^[ab]*c$', '.*.*.*.*=x$', '^\\s*\\s*\\s*$', '(x+x+)y'.replace('(x+x+)', 'x+x+')];
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
