import { isIPv6 } from 'node:net';
import { PRIORITY, type Detector, type Match } from './types.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted quad with no leading zeros, not inside a longer dotted/word run (so 1.2.3.4.5 is not an IP). */
const IPV4_RE = new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g');

export const ipv4Detector: Detector = {
  id: 'ipv4',
  kind: 'network',
  description: 'IPv4 address (dotted quad, octets 0–255, no leading zeros)',
  needsDigit: true,
  triggers: ['.'],
  find(text: string, out: Match[]): void {
    const re = new RegExp(IPV4_RE.source, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null)
      out.push({ detector: 'ipv4', start: m.index, end: m.index + m[0].length, priority: PRIORITY.network });
  },
};

/**
 * Candidate: hex groups separated by colons (each iteration starts with the colon, so a run parses
 * one way only), optionally ending in an embedded dotted quad. node:net decides validity.
 */
const IPV6_RE =
  /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?![\w:.])/g;

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
  kind: 'network',
  description: 'IPv6 address (full or compressed, optional embedded IPv4)',
  triggers: [':'],
  find(text: string, out: Match[]): void {
    const re = new RegExp(IPV6_RE.source, 'g');
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (plausibleIpv6(m[0]))
        out.push({
          detector: 'ipv6',
          start: m.index,
          end: m.index + m[0].length,
          priority: PRIORITY.network,
        });
    }
  },
};

export const NETWORK_REGEXES: readonly RegExp[] = [IPV4_RE, IPV6_RE];
