import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ibanValid, ibanValidAt, luhnValid } from '../src/detectors/checksums.js';
import { ipv6Detector } from '../src/detectors/network.js';
import { plausibleCard } from '../src/detectors/numbers.js';
import { BUILTIN_DETECTORS } from '../src/detectors/registry.js';
import { findPrefixedTokens, TOKEN_DETECTORS } from '../src/detectors/tokens.js';
import type { Detector, Match } from '../src/detectors/types.js';
import { resolveOverlaps, scanText } from '../src/scan.js';

// The scanner takes shortcuts for speed (one merged regex pass for the prefixed token detectors,
// checks read in place instead of on copies). Each is checked here against the plain form it
// replaces, so a shortcut that changes what is masked fails a test.

/** The straightforward scan: every detector's own `find`, in list order, then overlap resolution. */
function referenceScan(text: string, detectors: readonly Detector[]): Match[] {
  if (text.length === 0) return [];
  const found: Match[] = [];
  const digit = /[0-9]/.test(text);
  for (const d of detectors) {
    if (d.minLength !== undefined && text.length < d.minLength) continue;
    if (d.needsDigit && !digit) continue;
    d.find(text, found);
  }
  return resolveOverlaps(found);
}

/** Deterministic pseudo-random generator (tests must not depend on Math.random). */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

const FRAGMENTS = [
  'AKIA',
  'ASIA',
  'AKIAIOSFODNN7EXAMPLE',
  'AIza',
  `AIza${'d'.repeat(35)}`,
  'ghp_',
  `ghp_${'a'.repeat(36)}`,
  `github_pat_${'e'.repeat(36)}`,
  'glpat-',
  `glpat-${'b'.repeat(20)}`,
  'xoxb-',
  'xoxb-1234567890-abc',
  'sk_live_',
  `sk_live_${'c'.repeat(16)}`,
  'whsec_',
  `hooks.slack.com/services/${'T'.repeat(20)}`,
  'Bearer ',
  'token=',
  'X',
  'a',
  '0',
  '7',
  '-',
  '_',
  ' ',
  '/',
  '.',
  '\n',
];

function randomText(next: (n: number) => number): string {
  let s = '';
  const parts = 1 + next(24);
  for (let i = 0; i < parts; i++) s += FRAGMENTS[next(FRAGMENTS.length)]!;
  return s;
}

describe('merged scan of prefixed token detectors', () => {
  it('finds, per detector, exactly what each detector finds on its own', () => {
    const next = rng(7);
    for (let n = 0; n < 3000; n++) {
      const text = randomText(next);
      const merged = TOKEN_DETECTORS.map((): Match[] => []);
      findPrefixedTokens(text, TOKEN_DETECTORS, merged);
      TOKEN_DETECTORS.forEach((d, k) => {
        const own: Match[] = [];
        d.find(text, own);
        expect(merged[k], `${d.id} on ${JSON.stringify(text)}`).toEqual(own);
      });
    }
  });

  it('scanText equals the detector-by-detector scan (built-in order, reversed, duplicated)', () => {
    const reversed = [...BUILTIN_DETECTORS].reverse();
    const duplicated = [...BUILTIN_DETECTORS, ...TOKEN_DETECTORS];
    const next = rng(11);
    for (let n = 0; n < 1500; n++) {
      const text = randomText(next);
      for (const list of [BUILTIN_DETECTORS, reversed, duplicated])
        expect(scanText(text, list), JSON.stringify(text)).toEqual(referenceScan(text, list));
    }
  });

  it('keeps the first-listed detector on a tie (same span and priority)', () => {
    // bearer_token and aws_access_key_id both match the same 20 characters at priority 30.
    const text = 'auth: Bearer AKIAIOSFODNN7EXAMPLE ok';
    expect(scanText(text, BUILTIN_DETECTORS).map((m) => m.detector)).toEqual(['aws_access_key_id']);
    const bearerFirst = [...BUILTIN_DETECTORS].sort((a, b) =>
      a.id === 'bearer_token' ? -1 : b.id === 'bearer_token' ? 1 : 0,
    );
    expect(scanText(text, bearerFirst).map((m) => m.detector)).toEqual(['bearer_token']);
  });

  it('a token inside another detector’s body is still found by its own detector', () => {
    const text = `xoxb-123-AKIAIOSFODNN7EXAMPLE-${'z'.repeat(10)}`;
    const merged = TOKEN_DETECTORS.map((): Match[] => []);
    findPrefixedTokens(text, TOKEN_DETECTORS, merged);
    const ids = merged.flat().map((m) => m.detector);
    expect(ids).toContain('slack_token');
    expect(ids).toContain('aws_access_key_id');
  });
});

describe('checks read in place', () => {
  it('ibanValidAt on grouped text equals ibanValid on the compacted copy', () => {
    const ibans = [
      'DE89370400440532013000',
      'GB82WEST12345698765432',
      'DE89370400440532013001',
      'NO9386011117947',
    ];
    for (const iban of ibans) {
      const grouped = iban.replace(/(.{4})(?=.)/g, '$1 ');
      const text = `x ${grouped} y`;
      expect(ibanValidAt(text, 2, 2 + grouped.length)).toBe(ibanValid(iban));
      expect(ibanValidAt(iban, 0, iban.length)).toBe(ibanValid(iban));
    }
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
  });

  it('plausibleCard equals the issuer table it replaced', () => {
    const prefixIn = (d: string, n: number, lo: number, hi: number): boolean => {
      const v = Number(d.slice(0, n));
      return v >= lo && v <= hi;
    };
    const brands: { test: (d: string) => boolean; lengths: number[] }[] = [
      { test: (d) => d.startsWith('4'), lengths: [13, 16, 19] },
      { test: (d) => prefixIn(d, 2, 51, 55) || prefixIn(d, 4, 2221, 2720), lengths: [16] },
      { test: (d) => d.startsWith('34') || d.startsWith('37'), lengths: [15] },
      {
        test: (d) => d.startsWith('6011') || prefixIn(d, 3, 644, 649) || d.startsWith('65'),
        lengths: [16, 17, 18, 19],
      },
      { test: (d) => d.startsWith('62'), lengths: [16, 17, 18, 19] },
      { test: (d) => prefixIn(d, 4, 3528, 3589), lengths: [16, 17, 18, 19] },
      {
        test: (d) => prefixIn(d, 3, 300, 305) || ['36', '38', '39'].some((p) => d.startsWith(p)),
        lengths: [14, 15, 16, 17, 18, 19],
      },
    ];
    const expected = (d: string): boolean =>
      d.length >= 13 &&
      d.length <= 19 &&
      luhnValid(d) &&
      brands.some((b) => b.test(d) && b.lengths.includes(d.length)) &&
      !/^(\d)\1*$/.test(d);
    const next = rng(3);
    let valid = 0;
    for (let prefix = 0; prefix < 10000; prefix++) {
      for (let len = 12; len <= 20; len++) {
        let d = String(prefix).padStart(4, '0');
        while (d.length < len - 1) d += String(next(10));
        // Append the digit that makes it Luhn-valid half the time, so both branches are covered.
        for (let last = 0; last < 10; last++)
          if (luhnValid(d + String(last)) === (next(2) === 0) || last === 9) {
            d += String(last);
            break;
          }
        if (expected(d)) valid++;
        expect(plausibleCard(d), d).toBe(expected(d));
      }
    }
    expect(valid).toBeGreaterThan(1000);
  });

  it('the IPv6 colon-shape precheck never drops an address node:net accepts', () => {
    const next = rng(5);
    const units = ['0', 'f', 'ab', '1234', 'fe80', ':', ':', '::', '.', '1.2.3.4', '192.168.0.1'];
    let accepted = 0;
    for (let n = 0; n < 60000; n++) {
      let s = '';
      const parts = 2 + next(14);
      for (let i = 0; i < parts; i++) s += units[next(units.length)]!;
      const out: Match[] = [];
      ipv6Detector.find(` ${s} `, out);
      const groups = s.split(':').filter((g) => g.length > 0);
      const plausible =
        isIPv6(s) && (!s.includes('::') || (groups.length >= 2 && groups.some((g) => g.length >= 3)));
      if (plausible && s.length >= 6 && !s.startsWith('.') && !s.endsWith('.')) {
        accepted++;
        expect(out, s).toEqual([{ detector: 'ipv6', start: 1, end: 1 + s.length, priority: 10 }]);
      }
    }
    expect(accepted).toBeGreaterThan(200);
    // One of each uncompressed shape (7 colons; 6 before an embedded IPv4) and compressed ones.
    for (const s of [
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      '64:ff9b:1:2:3:4:192.168.0.1',
      'fe80::1ff:fe23:4567:890a',
      '::ffff:192.168.0.1',
      '2001:db8::8a2e:370:7334',
    ]) {
      const out: Match[] = [];
      ipv6Detector.find(`addr ${s} ok`, out);
      expect(out, s).toEqual([{ detector: 'ipv6', start: 5, end: 5 + s.length, priority: 10 }]);
    }
  });
});
