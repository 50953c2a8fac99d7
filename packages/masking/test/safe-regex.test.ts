import { describe, expect, it } from 'vitest';
import { unsafePatternReason } from '../src/safe-regex.js';
import { customPatternDetector } from '../src/detectors/custom.js';
import { scanText } from '../src/scan.js';

describe('custom pattern safety check', () => {
  it.each([
    ['(a+)+', /unbounded/],
    ['(a|a)*', /unbounded/],
    ['(a|aa){1,20}', /nested quantifiers/],
    ['(?:ab{1,3}){1,4}', /nested quantifiers/],
    ['((x{1,2})){2,3}', /nested quantifiers/],
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /backreferences/],
    ['a(?=b)', /lookahead/],
    ['(?<!x)a', /lookbehind/],
    ['a{1,}', /unbounded/],
    ['a{1,1000}', /exceeds/],
    ['a?', /empty string/],
    ['(', /not a valid/],
  ])('rejects %s', (pattern, why) => {
    expect(unsafePatternReason(pattern)).toMatch(why);
  });

  it('rejects unknown flags', () => {
    expect(unsafePatternReason('abc', 'gy')).toMatch(/flag/);
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

  it('a custom detector masks what it matches and refuses an unsafe pattern at construction', () => {
    const d = customPatternDetector('employee_id', 'EMP-[0-9]{6}');
    const text = 'owner EMP-123456 and EMP-12';
    expect(scanText(text, [d]).map((m) => text.slice(m.start, m.end))).toEqual(['EMP-123456']);
    expect(() => customPatternDetector('bad', '(a+)+$')).toThrow(/rejected: unbounded/);
  });

  it('an accepted pattern stays fast on 1 MB of near-misses', () => {
    const d = customPatternDetector('acme', '[A-Z]{2,8}-[0-9]{4,8}X', 'i');
    const text = 'AB-1234'.repeat(150_000);
    const t0 = performance.now();
    expect(scanText(text, [d])).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(4000);
  });
});
