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

const MAX_EXTENSION = Math.max(...[...FILE_EXTENSIONS].map((x) => x.length));

function allAlpha(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!isAlpha(text.charCodeAt(i))) return false;
  return true;
}

function hasDoubleDot(text: string, s: number, e: number): boolean {
  for (let i = s + 1; i < e; i++) if (text.charCodeAt(i) === 46 && text.charCodeAt(i - 1) === 46) return true;
  return false;
}

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
        // The domain is [at0 + 1, e); its checks read it in place (most "@"s in logs and code are
        // not emails, and slicing each candidate showed up in profiles).
        const d0 = at0 + 1;
        let dot = e - 1;
        while (dot >= d0 && text.charCodeAt(dot) !== 46) dot--;
        const tldLen = dot > d0 ? e - dot - 1 : 0;
        if (
          tldLen >= 2 &&
          tldLen <= 24 &&
          allAlpha(text, dot + 1, e) &&
          !hasDoubleDot(text, d0, e) &&
          text.charCodeAt(d0) !== 45 &&
          text.charCodeAt(d0) !== 46 &&
          !(tldLen <= MAX_EXTENSION && FILE_EXTENSIONS.has(text.slice(dot + 1, e).toLowerCase())) &&
          !(e < text.length && isAlnum(at(text, e)))
        ) {
          out.push({ detector: 'email', start: s, end: e, priority: PRIORITY.pii });
        }
      }
      at0 = text.indexOf('@', next);
    }
  },
};
