import { at, isB64Url } from './chars.js';
import { PRIORITY, type Detector, type Match } from './types.js';

const MAX_HEADER = 2048;
const MAX_PAYLOAD = 16384;
const MAX_SIGNATURE = 1024;

function headerHasAlg(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return (
      typeof header === 'object' &&
      header !== null &&
      typeof (header as Record<string, unknown>).alg === 'string'
    );
  } catch {
    return false;
  }
}

/**
 * `eyJ` is base64url for `{"`: each occurrence at a token start begins a candidate of three
 * base64url segments (bounded), whose header must decode to JSON with an `alg`. Scanning resumes
 * after whatever was read, so a megabyte of `eyJeyJ…` is read once.
 */
export const jwtDetector: Detector = {
  id: 'jwt',
  minLength: 16,
  kind: 'secret',
  description: 'JSON Web Token (three base64url segments; header decodes to JSON with "alg")',
  triggers: ['eyJ'],
  find(text: string, out: Match[]): void {
    let p = text.indexOf('eyJ');
    while (p !== -1) {
      let next = p + 3;
      const before = at(text, p - 1);
      if (!isB64Url(before) && before !== 46) {
        const h = scan(text, p, MAX_HEADER);
        next = Math.max(next, h);
        if (at(text, h) === 46 && h - p >= 10) {
          const pl = scan(text, h + 1, MAX_PAYLOAD);
          next = Math.max(next, pl);
          if (pl - (h + 1) >= 2 && at(text, pl) === 46) {
            const sig = scan(text, pl + 1, MAX_SIGNATURE);
            next = Math.max(next, sig);
            const after = at(text, sig);
            const header = text.slice(p, h);
            const unsigned = sig === pl + 1;
            if (!isB64Url(after) && after !== 46 && headerHasAlg(header)) {
              if (!unsigned || /"alg"\s*:\s*"none"/i.test(Buffer.from(header, 'base64url').toString('utf8')))
                out.push({ detector: 'jwt', start: p, end: sig, priority: PRIORITY.secret });
            }
          }
        }
      }
      p = text.indexOf('eyJ', next);
    }
  },
};

function scan(text: string, i: number, max: number): number {
  const stop = Math.min(text.length, i + max + 1);
  let j = i;
  while (j < stop && isB64Url(text.charCodeAt(j))) j++;
  return j;
}
