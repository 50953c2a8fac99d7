import { at, isAlnum, isAlpha } from './chars.js';
import { PRIORITY, type Detector, type Match } from './types.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function isLocalChar(c: number): boolean {
  // RFC 5322 atext minus the rarely used symbols that mostly appear in code, plus dot.
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 46;
}

/** Top-level "domains" that are really file extensions (`icon@2x.png`, `pkg@1.0.tgz`). */
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'ico',
  'js',
  'mjs',
  'cjs',
  'ts',
  'tsx',
  'jsx',
  'json',
  'css',
  'html',
  'htm',
  'txt',
  'map',
  'tgz',
  'zip',
  'gz',
  'lock',
  'yaml',
  'yml',
  'pdf',
]);

/**
 * Anchored on each `@`: scans the local part backwards and the domain forwards, both bounded.
 * The domain must have a dot and an alphabetic TLD of 2+ letters, so `pkg@1.2.3` and `user@host`
 * are not emails.
 */
export const emailDetector: Detector = {
  id: 'email',
  minLength: 6,
  kind: 'pii',
  description: 'email address (local@domain.tld)',
  triggers: ['@'],
  find(text: string, out: Match[]): void {
    let at0 = text.indexOf('@');
    while (at0 !== -1) {
      let next = at0 + 1;
      // Local part, backwards.
      let s = at0;
      const minS = Math.max(0, at0 - MAX_LOCAL - 1);
      while (s > minS && isLocalChar(text.charCodeAt(s - 1))) s--;
      while (s < at0 && text.charCodeAt(s) === 46) s++; // a local part never starts with a dot
      const tooLong = s === minS && s > 0 && isLocalChar(at(text, s - 1));
      // Domain, forwards.
      let e = at0 + 1;
      const maxE = Math.min(text.length, at0 + 1 + MAX_DOMAIN);
      while (e < maxE && isDomainChar(text.charCodeAt(e))) e++;
      next = Math.max(next, e);
      while (e > at0 + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
      if (!tooLong && s < at0 && text.charCodeAt(at0 - 1) !== 46 && e > at0 + 1) {
        const domain = text.slice(at0 + 1, e);
        const dot = domain.lastIndexOf('.');
        const tld = dot > 0 ? domain.slice(dot + 1) : '';
        if (
          tld.length >= 2 &&
          tld.length <= 24 &&
          [...tld].every((ch) => isAlpha(ch.charCodeAt(0))) &&
          !domain.includes('..') &&
          !domain.startsWith('-') &&
          !domain.startsWith('.') &&
          !FILE_EXTENSIONS.has(tld.toLowerCase()) &&
          !(e < text.length && isAlnum(at(text, e)))
        ) {
          out.push({ detector: 'email', start: s, end: e, priority: PRIORITY.pii });
        }
      }
      at0 = text.indexOf('@', next);
    }
  },
};
