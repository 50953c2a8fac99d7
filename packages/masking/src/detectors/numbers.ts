import { at, isDigit, isWord } from './chars.js';
import { luhnValid } from './checksums.js';
import { PRIORITY, type Detector, type Match } from './types.js';

// Every regex here uses only bounded quantifiers, so each start position costs bounded work and a
// scan is linear in the input (test/linear-time.test.ts runs them on 1 MB of near-misses).

/**
 * 13–19 digits with optional single space/dash separators, starting with at least four digits
 * (every issuer's printed grouping does); validated by Luhn + IIN/length below. The left boundary
 * is checked by hand (a lookbehind at the head of the regex would run at every position); the
 * leading `\b` lets the engine skip the inside of digit runs cheaply.
 */
const CARD_RE = /\b\d{4}(?:[ -]?\d){9,15}(?!\w)/g;

/**
 * Known issuer (IIN prefix) with one of its lengths: Visa, Mastercard (51–55, 2221–2720), Amex,
 * Discover, UnionPay, JCB, Diners. Reads the prefix as numbers from the first four digits rather
 * than slicing, since it runs on every digit-run candidate.
 */
function knownIssuer(d: string): boolean {
  const len = d.length;
  const p1 = d.charCodeAt(0) - 48;
  const p2 = p1 * 10 + d.charCodeAt(1) - 48;
  const p3 = p2 * 10 + d.charCodeAt(2) - 48;
  const p4 = p3 * 10 + d.charCodeAt(3) - 48;
  const long = len >= 16 && len <= 19;
  return (
    (p1 === 4 && (len === 13 || len === 16 || len === 19)) || // Visa
    (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && len === 16) || // Mastercard
    ((p2 === 34 || p2 === 37) && len === 15) || // Amex
    ((p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) && long) || // Discover
    (p2 === 62 && long) || // UnionPay
    (p4 >= 3528 && p4 <= 3589 && long) || // JCB
    (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) && len >= 14 && len <= 19) // Diners
  );
}

export function plausibleCard(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return false;
  if (!knownIssuer(digits)) return false;
  // A run of one repeated digit is a placeholder, not a card.
  let same = true;
  for (let i = 1; i < digits.length && same; i++) same = digits[i] === digits[0];
  return !same;
}

/** Digit offsets of the groups of one CARD_RE match (≤ 19 digits, so ≤ 19 groups); reused. */
const groupStart = new Int32Array(20);
const groupEnd = new Int32Array(20);
const groupOffset = new Int32Array(21);

/**
 * A match of CARD_RE may hold a card plus neighbouring numbers ("ref 12 4111 1111 1111 1111");
 * try every window of whole digit groups, earliest start first, longest first.
 */
function findCardIn(text: string, start: number, end: number): { start: number; end: number } | undefined {
  const before = at(text, start - 1);
  const firstOk = !(isWord(before) || before === 46 || before === 43 || before === 45);
  // Fast path: one run of digits (the common compact form).
  let compact = true;
  for (let i = start; i < end && compact; i++) compact = isDigit(text.charCodeAt(i));
  if (compact) {
    if (!firstOk) return undefined;
    const digits = text.slice(start, end);
    return plausibleCard(digits) ? { start, end } : undefined;
  }
  // Groups split at the single separators; `all` holds their digits back to back, so the digits
  // of groups a..b are one slice of it.
  let n = 0;
  let all = '';
  let i = start;
  while (i < end) {
    let j = i;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    groupStart[n] = i;
    groupEnd[n] = j;
    groupOffset[n] = all.length;
    all += text.slice(i, j);
    n++;
    i = j + 1;
  }
  groupOffset[n] = all.length;
  for (let a = 0; a < n; a++) {
    // The first group must not continue a word, a decimal, a signed number or a dashed id.
    if (a === 0 && !firstOk) continue;
    let best = -1;
    for (let b = a; b < n; b++) {
      const len = groupOffset[b + 1]! - groupOffset[a]!;
      if (len > 19) break;
      if (len >= 13 && plausibleCard(all.slice(groupOffset[a], groupOffset[b + 1]))) best = b;
    }
    if (best !== -1) return { start: groupStart[a]!, end: groupEnd[best]! };
  }
  return undefined;
}

export const cardDetector: Detector = {
  id: 'card',
  minLength: 13,
  kind: 'pii',
  description: 'payment card number (Luhn-valid, known issuer prefix and length; spaces/dashes allowed)',
  needsDigit: true,
  find(text: string, out: Match[]): void {
    const re = CARD_RE;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const found = findCardIn(text, m.index, m.index + m[0].length);
      if (found) {
        out.push({ detector: 'card', start: found.start, end: found.end, priority: PRIORITY.pii });
        re.lastIndex = found.end;
      }
    }
  },
};

/** AAA-GG-SSSS; boundaries (not inside a word, a dotted or a dashed run) are checked by hand. */
const SSN_RE = /\b\d{3}-\d\d-\d{4}/g;

export function validSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  // Numbers the SSA voided after they were published in advertising.
  const whole = `${area}${group}${serial}`;
  return whole !== '078051120' && whole !== '219099999';
}

function digitsAt(text: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) v = v * 10 + text.charCodeAt(i + k) - 48;
  return v;
}

/** `validSsn` read in place on the 11 characters at `s` (AAA-GG-SSSS, all digits by the regex). */
function validSsnAt(text: string, s: number): boolean {
  const a = digitsAt(text, s, 3);
  const g = digitsAt(text, s + 4, 2);
  const serial = digitsAt(text, s + 7, 4);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (g === 0 || serial === 0) return false;
  // Numbers the SSA voided after they were published in advertising (078-05-1120, 219-09-9999).
  return !(a === 78 && g === 5 && serial === 1120) && !(a === 219 && g === 9 && serial === 9999);
}

export const ssnDetector: Detector = {
  id: 'ssn',
  minLength: 11,
  kind: 'pii',
  description: 'US social security number, AAA-GG-SSSS with valid ranges',
  needsDigit: true,
  find(text: string, out: Match[]): void {
    const re = SSN_RE;
    re.lastIndex = 0;
    // Fixed length (11): test() + lastIndex, no match arrays to allocate.
    while (re.test(text)) {
      const e = re.lastIndex;
      const s = e - 11;
      const before = at(text, s - 1);
      if (isWord(before) || before === 46 || before === 45) continue;
      if (isWord(at(text, e)) || (at(text, e) === 45 && isDigit(at(text, e + 1)))) continue;
      if (validSsnAt(text, s)) out.push({ detector: 'ssn', start: s, end: e, priority: PRIORITY.pii });
    }
  },
};

/**
 * North American national forms: (415) 555-0132, 415-555-0132, 415.555.0132, 415 555 0132,
 * 1-415-555-0132. The regex finds exchange + line ("555-0132"); the area code before it is read
 * by hand, which keeps lookbehinds off the regex head.
 */
const NANP_TAIL_RE = /\b[2-9]\d\d[ .-]\d{4}(?!\w|[.-]\d)/g;

function isSep(c: number): boolean {
  return c === 32 || c === 46 || c === 45;
}

function isAreaCode(text: string, i: number): boolean {
  const c = at(text, i);
  return c >= 50 && c <= 57 && isDigit(at(text, i + 1)) && isDigit(at(text, i + 2));
}

/** Start of the area code (and optional "1-" prefix) ending before `q`, or -1. */
function nanpStart(text: string, q: number): number {
  const sep = text.charCodeAt(q + 3);
  let s: number;
  if (at(text, q - 1) === 41 /* ) */ || (at(text, q - 1) === 32 && at(text, q - 2) === 41)) {
    const close = at(text, q - 1) === 41 ? q - 1 : q - 2;
    if (at(text, close - 4) !== 40 /* ( */ || !isAreaCode(text, close - 3)) return -1;
    s = close - 4;
  } else {
    // Same separator on both sides: 415-555.0132 is more often an id than a phone number.
    if (at(text, q - 1) !== sep || !isAreaCode(text, q - 4)) return -1;
    s = q - 4;
  }
  if (at(text, s - 2) === 49 /* 1 */ && isSep(at(text, s - 1)) && !isWord(at(text, s - 3))) s -= 2;
  const before = at(text, s - 1);
  if (isWord(before) || before === 43 || before === 46 || before === 40 || before === 45) return -1;
  return s;
}

/**
 * E.164 by hand, because a regex for "digits in groups" is ambiguous (many ways to split a run)
 * and backtracks combinatorially on near-misses. From each "+": a country code digit 1–9, then
 * digits with single space/dot/dash separators and at most one (area) group, 8–15 digits in all.
 */
function findE164(text: string, out: Match[]): void {
  let p = text.indexOf('+');
  while (p !== -1) {
    let next = p + 1;
    const first = at(text, p + 1);
    if (!isWord(at(text, p - 1)) && first >= 49 && first <= 57) {
      let digits = 0;
      let i = p + 1;
      let lastDigitEnd = -1;
      let prevSep = true; // the "+" itself
      let parens = 0;
      let open = false;
      let ok = true;
      const stop = Math.min(text.length, p + 26);
      for (; i < stop; i++) {
        const c = text.charCodeAt(i);
        if (isDigit(c)) {
          digits++;
          prevSep = false;
          lastDigitEnd = i + 1;
        } else if (c === 40 /* ( */) {
          if (open || parens > 0 || (!prevSep && at(text, i - 1) !== 32)) break;
          open = true;
          prevSep = true;
        } else if (c === 41 /* ) */) {
          if (!open || prevSep) break;
          open = false;
          parens++;
          lastDigitEnd = i + 1;
        } else if (c === 32 || c === 45 || c === 46) {
          if (prevSep && at(text, i - 1) !== 41) break;
          prevSep = true;
        } else break;
      }
      next = Math.max(i, p + 1);
      if (i === stop && stop < text.length && isDigit(text.charCodeAt(stop))) ok = false; // too long
      if (i === lastDigitEnd && isWord(at(text, i))) ok = false;
      if (open) ok = false;
      if (ok && digits >= 8 && digits <= 15 && lastDigitEnd > 0) {
        // "+1 415 555 0132.5" or "...-7" right after: part of something longer.
        const after = at(text, lastDigitEnd);
        const after2 = at(text, lastDigitEnd + 1);
        if (!((after === 46 || after === 45) && isDigit(after2)))
          out.push({ detector: 'phone', start: p, end: lastDigitEnd, priority: PRIORITY.pii });
      }
    }
    p = text.indexOf('+', next);
  }
}

export const phoneDetector: Detector = {
  id: 'phone',
  minLength: 8,
  kind: 'pii',
  description: 'phone number: E.164 (+CC …) or North American national format',
  needsDigit: true,
  find(text: string, out: Match[]): void {
    findE164(text, out);
    const re = NANP_TAIL_RE;
    re.lastIndex = 0;
    // Fixed length (8): test() + lastIndex, no match arrays to allocate.
    while (re.test(text)) {
      const e = re.lastIndex;
      const s = nanpStart(text, e - 8);
      if (s !== -1) out.push({ detector: 'phone', start: s, end: e, priority: PRIORITY.pii });
    }
  },
};

/** Exposed for the linear-time tests. */
export const NUMBER_REGEXES: readonly RegExp[] = [CARD_RE, SSN_RE, NANP_TAIL_RE];
