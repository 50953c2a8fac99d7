import { isIPv6 } from 'node:net';
import { at, isDigit, isHex, isWord } from './chars.js';
import { PRIORITY, type Detector, type Match } from './types.js';

/**
 * Four dotted groups of 1–3 digits; octet ranges, leading zeros and boundaries are checked by
 * hand (a lookbehind and octet alternations in the regex made it the slowest detector).
 */
const IPV4_RE = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;

/** Octets 0–255 without leading zeros, read in place (no split/Number allocations). */
function validOctets(text: string, s: number, e: number): boolean {
  let value = 0;
  let len = 0;
  let first = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (len === 0 || value > 255 || (len > 1 && first === 48)) return false;
      value = 0;
      len = 0;
    } else {
      if (len === 0) first = c;
      value = value * 10 + (c - 48);
      len++;
    }
  }
  return true;
}

export const ipv4Detector: Detector = {
  id: 'ipv4',
  minLength: 7,
  kind: 'network',
  description: 'IPv4 address (dotted quad, octets 0–255, no leading zeros)',
  needsDigit: true,
  triggers: ['.'],
  find(text: string, out: Match[]): void {
    const re = IPV4_RE;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const s = m.index;
      const e = s + m[0].length;
      const before = at(text, s - 1);
      const after = at(text, e);
      // Not inside a longer dotted or word run: 1.2.3.4.5 and v1.2.3.4 are versions, not IPs.
      if (isWord(before) || before === 46) continue;
      if (isWord(after) || (after === 46 && isDigit(at(text, e + 1)))) continue;
      if (validOctets(text, s, e))
        out.push({ detector: 'ipv4', start: s, end: e, priority: PRIORITY.network });
    }
  },
};

function isV6Char(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

const MAX_V6 = 45;
/**
 * Conservative on purpose: clock times (10:30:00), MAC addresses and C++ scopes are not IPv6.
 * A compressed form (`::`) needs two explicit groups and one of at least three characters, so
 * `fe80::1` and `2001:db8::8a2e:370:7334` match while `12::30` and `::1` do not.
 */
export function plausibleIpv6(s: string): boolean {
  if (!isIPv6(s)) return false;
  const groups = s.split(':').filter((g) => g.length > 0);
  if (!s.includes('::')) return true;
  return groups.length >= 2 && groups.some((g) => g.length >= 3);
}

export const ipv6Detector: Detector = {
  id: 'ipv6',
  minLength: 6,
  kind: 'network',
  description: 'IPv6 address (full or compressed, optional embedded IPv4)',
  triggers: [':'],
  /**
   * Anchored on each ":" (found with indexOf): the candidate is the maximal run of hex digits,
   * colons and dots around it, at most 45 characters each way; scanning resumes after the run,
   * so every character is read a bounded number of times. node:net decides validity.
   */
  find(text: string, out: Match[]): void {
    let from = 0;
    let p = text.indexOf(':');
    while (p !== -1) {
      let s = p;
      const minS = Math.max(from, p - MAX_V6);
      while (s > minS && isV6Char(text.charCodeAt(s - 1))) s--;
      let e = p + 1;
      const maxE = Math.min(text.length, p + MAX_V6);
      while (e < maxE && isV6Char(text.charCodeAt(e))) e++;
      from = e;
      while (e > s && text.charCodeAt(e - 1) === 46) e--; // sentence-ending dots
      while (s < e && text.charCodeAt(s) === 46) s++;
      if (
        e - s >= 6 &&
        !isWord(at(text, s - 1)) &&
        at(text, s - 1) !== 58 &&
        !isWord(at(text, e)) &&
        at(text, e) !== 58 &&
        colonShapeFits(text, s, e) &&
        plausibleIpv6(text.slice(s, e))
      )
        out.push({ detector: 'ipv6', start: s, end: e, priority: PRIORITY.network });
      p = text.indexOf(':', Math.max(from, p + 1));
    }
  },
};

/**
 * A cheap necessary condition for `plausibleIpv6` on a run of hex digits, colons and dots, so
 * clock times (10:30:00) and MAC addresses (5 colons) skip the slice and node:net's large regex:
 * at least two colons, and either a `::` or the colon count of an uncompressed address (7, or 6
 * before an embedded IPv4). Every form node:net accepts without `::` has exactly 7 or 6.
 */
function colonShapeFits(text: string, s: number, e: number): boolean {
  let n = 0;
  let double = false;
  for (let i = s; i < e; i++) {
    if (text.charCodeAt(i) === 58) {
      n++;
      if (i > s && text.charCodeAt(i - 1) === 58) double = true;
    }
  }
  return n >= 2 && (double || n === 7 || n === 6);
}

export const NETWORK_REGEXES: readonly RegExp[] = [IPV4_RE];
