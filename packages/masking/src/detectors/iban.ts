import { at, isAlnum, isDigit, isUpper } from './chars.js';
import { IBAN_LENGTHS, ibanValidAt } from './checksums.js';
import { PRIORITY, type Detector, type Match } from './types.js';

/** Two capitals + check digits at a word start; the country, the rest and the end are checked by hand. */
const IBAN_START_RE = /\b[A-Z]{2}\d\d/g;

/**
 * IBAN_LENGTHS indexed by the two capitals of a country code (A=0…Z=25), so the head check reads
 * two code units instead of slicing a two-character key.
 */
const LENGTH_BY_CODE: readonly (number | undefined)[] = Array.from({ length: 26 * 26 }, (_, k) =>
  Object.hasOwn(IBAN_LENGTHS, String.fromCharCode(65 + Math.floor(k / 26), 65 + (k % 26)))
    ? IBAN_LENGTHS[String.fromCharCode(65 + Math.floor(k / 26), 65 + (k % 26))]
    : undefined,
);

/**
 * Reads exactly `length - 4` more alphanumerics after the check digits, allowing single spaces
 * (the printed form groups by four), then requires a word end and a valid mod-97 checksum.
 */
export const ibanDetector: Detector = {
  id: 'iban',
  minLength: 15,
  kind: 'pii',
  description: 'IBAN (ISO 13616): registered country length and mod-97 checksum; compact or grouped by four',
  needsDigit: true,
  find(text: string, out: Match[]): void {
    const re = IBAN_START_RE;
    re.lastIndex = 0;
    // Fixed-length head (4): test() + lastIndex; the body is counted first and only a candidate
    // of the right length is checksummed, in place.
    while (re.test(text)) {
      const start = re.lastIndex - 4;
      const length = LENGTH_BY_CODE[(text.charCodeAt(start) - 65) * 26 + text.charCodeAt(start + 1) - 65];
      if (length === undefined || isAlnum(at(text, start - 1))) continue;
      let n = 4;
      let i = start + 4;
      while (n < length && i < text.length) {
        const c = text.charCodeAt(i);
        if (isUpper(c) || isDigit(c)) {
          n++;
          i++;
        } else if (
          c === 32 &&
          (isUpper(at(text, i + 1)) || isDigit(at(text, i + 1))) &&
          at(text, i - 1) !== 32
        ) {
          i++;
        } else break;
      }
      if (n !== length || isAlnum(at(text, i))) continue;
      if (!ibanValidAt(text, start, i)) continue;
      out.push({ detector: 'iban', start, end: i, priority: PRIORITY.pii });
      re.lastIndex = i;
    }
  },
};

export const IBAN_REGEXES: readonly RegExp[] = [IBAN_START_RE];
