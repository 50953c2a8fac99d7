import { PRIORITY, type Detector, type Match } from './types.js';

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const MAX_BLOCK = 32 * 1024;
const MAX_LABEL = 40;

/**
 * A whole `-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----` block. The next END
 * marker is found once and reused by every BEGIN before it, so many BEGINs without an END cost
 * one forward search, not one each.
 */
export const pemPrivateKeyDetector: Detector = {
  id: 'private_key',
  minLength: 52,
  kind: 'secret',
  description: 'PEM private key block (RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8), masked whole',
  triggers: [BEGIN],
  find(text: string, out: Match[]): void {
    let nextEnd = -2; // -2: not searched yet; -1: none left
    let p = text.indexOf(BEGIN);
    while (p !== -1) {
      let next = p + BEGIN.length;
      const window = text.slice(next, next + MAX_LABEL + 5).indexOf('-----');
      const labelEnd = window === -1 ? -1 : next + window;
      const label = labelEnd !== -1 ? text.slice(next, labelEnd) : '';
      if (label.endsWith('PRIVATE KEY')) {
        if (nextEnd !== -1 && nextEnd < labelEnd) nextEnd = text.indexOf(END, labelEnd);
        if (nextEnd === -1) return;
        const closing = `${END}${label}-----`;
        if (text.startsWith(closing, nextEnd) && nextEnd - p <= MAX_BLOCK) {
          const end = nextEnd + closing.length;
          out.push({ detector: 'private_key', start: p, end, priority: PRIORITY.secret + 5 });
          next = end;
        } else {
          next = labelEnd + 5;
        }
      }
      p = text.indexOf(BEGIN, next);
    }
  },
};
