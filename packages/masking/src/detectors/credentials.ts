import { at, isAlnum, isAlpha, isWord } from './chars.js';
import { PRIORITY, type Detector, type Match } from './types.js';

const MAX_VALUE = 512;

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * After a key name ends at `i`: optional closing quote, ≤3 spaces, `=` or `:` (or `=>`), ≤3
 * spaces. Returns where the value starts, or -1.
 */
function afterAssignment(text: string, i: number, rejectUrl = false): number {
  let j = i;
  if (at(text, j) === 34 || at(text, j) === 39) j++;
  for (let k = 0; k < 3 && isSpace(at(text, j)); k++) j++;
  const op = at(text, j);
  if (op !== 61 && op !== 58) return -1;
  j++;
  if (op === 61 && at(text, j) === 62) j++; // =>
  if (rejectUrl && op === 58 && at(text, j) === 47) return -1; // "scheme:/…" is a URL, not an assignment
  for (let k = 0; k < 3 && isSpace(at(text, j)); k++) j++;
  return j;
}

function isUnquotedValueChar(c: number): boolean {
  // Stops at whitespace and at the punctuation that ends a value in logs, query strings and JSON.
  return (
    c > 32 &&
    c !== 34 &&
    c !== 39 &&
    c !== 44 &&
    c !== 59 &&
    c !== 38 &&
    c !== 60 &&
    c !== 62 &&
    c !== 41 &&
    c !== 93 &&
    c !== 125
  );
}

/** Reads a value (quoted or not) at `j`; returns its span without quotes, or undefined. */
function readValue(text: string, j: number): { start: number; end: number; next: number } | undefined {
  const q = at(text, j);
  if (q === 34 || q === 39) {
    let close = j + 1;
    const stop = Math.min(text.length, j + 2 + MAX_VALUE);
    while (close < stop && text.charCodeAt(close) !== q) close++;
    if (close === stop) return undefined;
    return { start: j + 1, end: close, next: close + 1 };
  }
  let e = j;
  const stop = Math.min(text.length, j + MAX_VALUE + 1);
  while (e < stop && isUnquotedValueChar(text.charCodeAt(e))) e++;
  if (e - j > MAX_VALUE) return undefined;
  return { start: j, end: e, next: e };
}

const PLACEHOLDERS = new Set([
  '',
  'null',
  'none',
  'nil',
  'true',
  'false',
  'undefined',
  'redacted',
  '<redacted>',
]);

/** Values that are visibly not secrets: empty, null-ish, already masked, a config reference. */
export function isPlaceholderValue(v: string): boolean {
  if (PLACEHOLDERS.has(v.toLowerCase())) return true;
  if (v.startsWith('[REDACTED') || v.startsWith('[HASH:') || v.startsWith('${') || v.startsWith('{{'))
    return true;
  let stars = true;
  for (let i = 0; i < v.length && stars; i++) stars = v[i] === '*' || v[i] === '•' || v[i] === 'x';
  return stars;
}

// Key-name heads, case-insensitive; the rest of each name is read by hand (keyNameEnd), which
// keeps the regex a plain alternation of short literals (fast to scan for).
const SECRET_KEY_RE = /passw|passp|secret|token|api[_-]?key|private[_-]?key|credential/gi;

/** Allowed completions of each head: `passw` → password/passwd, `secret` → secret_key… */
const KEY_TAILS: Readonly<Record<string, readonly string[]>> = {
  passw: ['ord', 'd'],
  passp: ['hrase'],
  secret: ['', '_key', '-key', 'key'],
  token: [''],
  credential: ['', 's'],
};

/** End of the key name that starts with head `m`, or -1 when the name goes on (`tokens`, `password_hash`). */
function keyNameEnd(text: string, start: number, head: string): number {
  const end = start + head.length;
  const tails = KEY_TAILS[head.toLowerCase()] ?? [''];
  let best = -1;
  for (const t of tails) {
    if (text.slice(end, end + t.length).toLowerCase() !== t) continue;
    const e = end + t.length;
    if (!isWord(at(text, e)) && e > best) best = e;
  }
  return best;
}

/**
 * `password=…`, `secret: …`, `api_key="…"`, `"token": "…"` in free text. The key must not be
 * glued to a preceding letter (`maxtoken` is not a token) and must be followed by an assignment.
 * Masks the value only.
 */
export const secretPairDetector: Detector = {
  id: 'secret_pair',
  minLength: 7,
  kind: 'secret',
  description: 'password/secret/token/api key assignments in text (key=value, key: value, "key": "value")',
  triggers: ['pass', 'secret', 'token', 'key', 'credential'],
  find(text: string, out: Match[]): void {
    const re = SECRET_KEY_RE;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      // `maxtoken` is not a token; `DB_PASSWORD`, `access_token`, `x-api-key` are.
      if (isAlpha(at(text, m.index - 1))) continue;
      const keyEnd = keyNameEnd(text, m.index, m[0]);
      if (keyEnd === -1) continue;
      const j = afterAssignment(text, keyEnd, true);
      if (j === -1) continue;
      const v = readValue(text, j);
      if (!v) continue;
      if (isPlaceholderValue(text.slice(v.start, v.end))) continue;
      out.push({ detector: 'secret_pair', start: v.start, end: v.end, priority: PRIORITY.secret - 2 });
      re.lastIndex = Math.max(re.lastIndex, v.next);
    }
  },
};

const BEARER_RE = /bearer[ \t]{1,4}/gi;

function isTokenChar(c: number): boolean {
  // RFC 6750 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"
  return isAlnum(c) || c === 45 || c === 46 || c === 95 || c === 126 || c === 43 || c === 47;
}

export const bearerTokenDetector: Detector = {
  id: 'bearer_token',
  minLength: 15,
  kind: 'secret',
  description: 'HTTP bearer credential ("Bearer <token>"); the token is masked, the word kept',
  triggers: ['bearer'],
  find(text: string, out: Match[]): void {
    const re = BEARER_RE;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (isWord(at(text, m.index - 1))) continue;
      const s = m.index + m[0].length;
      let e = s;
      const stop = Math.min(text.length, s + 8192);
      while (e < stop && isTokenChar(text.charCodeAt(e))) e++;
      while (e < text.length && e - s < 8194 && text.charCodeAt(e) === 61) e++;
      re.lastIndex = Math.max(re.lastIndex, e);
      if (e - s < 8 || isWord(at(text, e))) continue;
      const token = text.slice(s, e);
      // "Bearer authentication", "bearer tokens": prose, not a credential — require a digit or symbol.
      if (!/[0-9._~+/=-]/.test(token)) continue;
      out.push({ detector: 'bearer_token', start: s, end: e, priority: PRIORITY.secret });
    }
  },
};

function isSchemeChar(c: number): boolean {
  return isAlnum(c) || c === 43 || c === 45 || c === 46;
}

function endsAuthority(c: number): boolean {
  return (
    c <= 32 || c === 47 || c === 63 || c === 35 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96
  );
}

/** `scheme://user:password@host…`: masks the password only, so the host stays readable. */
export const connectionStringDetector: Detector = {
  id: 'connection_string',
  minLength: 7, // a://:p@
  kind: 'secret',
  description: 'password inside a URL or connection string (scheme://user:password@host)',
  triggers: ['://'],
  find(text: string, out: Match[]): void {
    let p = text.indexOf('://');
    while (p !== -1) {
      let s = p;
      const minS = Math.max(0, p - 32);
      while (s > minS && isSchemeChar(text.charCodeAt(s - 1))) s--;
      const a = p + 3;
      let e = a;
      const stop = Math.min(text.length, a + 1024);
      while (e < stop && !endsAuthority(text.charCodeAt(e))) e++;
      if (s < p && isAlpha(text.charCodeAt(s))) {
        // Both searches stay inside the authority [a, e): an unbounded indexOf here would make
        // a run of "a://a:" quadratic.
        let at0 = e - 1;
        while (at0 >= a && text.charCodeAt(at0) !== 64) at0--;
        if (at0 >= a) {
          let colon = a;
          while (colon < at0 && text.charCodeAt(colon) !== 58) colon++;
          if (colon < at0 && colon + 1 < at0) {
            const pw = text.slice(colon + 1, at0);
            if (!isPlaceholderValue(pw))
              out.push({
                detector: 'connection_string',
                start: colon + 1,
                end: at0,
                priority: PRIORITY.secret,
              });
          }
        }
      }
      p = text.indexOf('://', Math.max(e, p + 3));
    }
  },
};

const AWS_SECRET_KEY_RE = /aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key/gi;

function isAwsSecretChar(c: number): boolean {
  return isAlnum(c) || c === 43 || c === 47;
}

/** 40 base64 characters right after an AWS secret-key name; without that context, too ambiguous. */
export const awsSecretKeyDetector: Detector = {
  id: 'aws_secret_key',
  minLength: 53, // awssecretkey= + 40
  kind: 'secret',
  description: 'AWS secret access key (40 characters after aws_secret_access_key / SecretAccessKey)',
  triggers: ['secret'],
  find(text: string, out: Match[]): void {
    const re = AWS_SECRET_KEY_RE;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      let j = afterAssignment(text, m.index + m[0].length);
      if (j === -1) continue;
      if (at(text, j) === 34 || at(text, j) === 39) j++;
      let e = j;
      while (e < text.length && e - j <= 40 && isAwsSecretChar(text.charCodeAt(e))) e++;
      if (e - j === 40 && at(text, e) !== 61)
        out.push({ detector: 'aws_secret_key', start: j, end: e, priority: PRIORITY.secret + 1 });
      re.lastIndex = Math.max(re.lastIndex, e);
    }
  },
};

export const CREDENTIAL_REGEXES: readonly RegExp[] = [SECRET_KEY_RE, BEARER_RE, AWS_SECRET_KEY_RE];
