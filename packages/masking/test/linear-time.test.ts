import { describe, expect, it } from 'vitest';
import { CREDENTIAL_REGEXES } from '../src/detectors/credentials.js';
import { IBAN_REGEXES } from '../src/detectors/iban.js';
import { NETWORK_REGEXES } from '../src/detectors/network.js';
import { NUMBER_REGEXES } from '../src/detectors/numbers.js';
import { BUILTIN_DETECTORS } from '../src/detectors/registry.js';
import { scanText } from '../src/scan.js';

// Linear time, checked: every detector (and every regex they use) runs over 1 MB of near-misses
// built to trigger backtracking or re-scanning. A quadratic scan of 1 MB would take minutes; the
// bound below is ~50× what a linear scan needs on a slow machine.
const MB = 1 << 20;
const LIMIT_MS = 4000;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
}

const PATHOLOGICAL: string[] = [
  'a@',
  `${'a'.repeat(70)}@`,
  'a.b@c.',
  '1',
  '1 ',
  '1-',
  '4111 ',
  '1.1.1.',
  '+1 ',
  '+1(',
  '(415) ',
  '123-45-',
  'DE89',
  'DE89 ',
  'a:',
  '::',
  'ffff:',
  '1:2:3:',
  'eyJ',
  'eyJhbGciOiJIUzI1NiJ9.',
  'eyJhbGciOiJIUzI1NiJ9.e30.',
  '-----BEGIN RSA PRIVATE KEY-----',
  '-----BEGIN ',
  'ghp_',
  'github_pat_',
  'AKIA',
  'AIza',
  'xoxb-',
  'glpat-',
  'sk_live_',
  'hooks.slack.com/services/',
  'Bearer ',
  'bearer a',
  'password=',
  'password: "',
  'token',
  '_token:',
  '://',
  'a://a:',
  'aws_secret_access_key=',
  'x',
  ' ',
];

describe('linear time on 1 MB of near-misses', () => {
  it.each(PATHOLOGICAL.map((u) => [u]))('all detectors on %j', (unit) => {
    const text = fill(unit);
    const t0 = performance.now();
    const matches = scanText(text, BUILTIN_DETECTORS);
    const ms = performance.now() - t0;
    expect(Array.isArray(matches)).toBe(true);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it('a long run of one unit ending in a near-miss tail ("aaaa…a@" with a 1 MB local part)', () => {
    const text = `${'a'.repeat(MB)}@example.com`;
    const t0 = performance.now();
    expect(scanText(text, BUILTIN_DETECTORS)).toEqual([]); // local part over 64: not an email
    expect(performance.now() - t0).toBeLessThan(LIMIT_MS);
  });

  const regexes = [...NUMBER_REGEXES, ...IBAN_REGEXES, ...NETWORK_REGEXES, ...CREDENTIAL_REGEXES];
  it.each(regexes.map((r) => [r.source, r]))('regex %s', (_src, re: RegExp) => {
    for (const unit of PATHOLOGICAL) {
      const text = fill(unit);
      const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
      const t0 = performance.now();
      let n = 0;
      while (g.exec(text) !== null) {
        n++;
        if (g.lastIndex === 0) break;
      }
      expect(n).toBeGreaterThanOrEqual(0);
      expect(performance.now() - t0).toBeLessThan(LIMIT_MS);
    }
  });
});
