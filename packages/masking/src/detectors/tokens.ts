import { at, isAlnum, isDigit, isUpper, isWord } from './chars.js';
import { PRIORITY, type Detector, type Match } from './types.js';

export interface PrefixedTokenSpec {
  readonly id: string;
  readonly description: string;
  readonly prefixes: readonly string[];
  /** Regex source matching exactly the prefixes, factored (`gh[pousr]_`); literals only, no quantifier. */
  readonly head: string;
  /** Characters allowed after the prefix. */
  readonly body: (c: number) => boolean;
  readonly min: number;
  readonly max: number;
}

/**
 * Tokens that announce themselves with a literal prefix (`ghp_`, `AKIA`, `xoxb-`…): find the
 * prefixes, require a word start, read the body up to `max + 1` characters and resume after it —
 * each character is read a bounded number of times.
 */
export function prefixedTokenDetector(spec: PrefixedTokenSpec): Detector {
  // One regex pass per detector over its (factored) literal prefixes: cheaper than one indexOf
  // per prefix, whose first-character search stops at every common letter.
  const re = new RegExp(spec.head, 'g');
  // The body predicate as a table over ASCII (every body alphabet is ASCII): the scan loop below
  // is shared by all prefixed detectors, so calling `spec.body` there is a megamorphic call per
  // character, while a table read is a plain load.
  const body = new Uint8Array(128);
  for (let c = 0; c < 128; c++) body[c] = spec.body(c) ? 1 : 0;
  for (let c = 128; c < 0x10000; c++)
    if (spec.body(c)) throw new Error(`${spec.id}: body alphabet must be ASCII`);
  const { min, max } = spec;
  return {
    id: spec.id,
    kind: 'secret',
    description: spec.description,
    triggers: spec.prefixes,
    minLength: Math.min(...spec.prefixes.map((p) => p.length)) + spec.min,
    find(text: string, out: Match[]): void {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const p = m.index;
        const bodyStart = p + m[0].length;
        let e = bodyStart;
        const stop = Math.min(text.length, bodyStart + max + 1);
        while (e < stop) {
          const c = text.charCodeAt(e);
          if (c >= 128 || body[c] === 0) break;
          e++;
        }
        const len = e - bodyStart;
        if (!isWord(at(text, p - 1)) && len >= min && len <= max)
          out.push({ detector: spec.id, start: p, end: e, priority: PRIORITY.secret });
        re.lastIndex = Math.max(e, p + 1);
      }
    },
  };
}

const alnum = isAlnum;
const alnumUnderscore = (c: number): boolean => isAlnum(c) || c === 95;
const alnumDashUnderscore = (c: number): boolean => isAlnum(c) || c === 45 || c === 95;
const alnumDash = (c: number): boolean => isAlnum(c) || c === 45;
const upperDigit = (c: number): boolean => isUpper(c) || isDigit(c);

export const awsAccessKeyIdDetector = prefixedTokenDetector({
  id: 'aws_access_key_id',
  description: 'AWS access key id (AKIA…/ASIA… + 16 upper-case alphanumerics)',
  prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  head: 'A(?:KIA|SIA|BIA|CCA)',
  body: upperDigit,
  min: 16,
  max: 16,
});

export const githubTokenDetector = prefixedTokenDetector({
  id: 'github_token',
  description: 'GitHub token (ghp_, gho_, ghs_, ghu_, ghr_, github_pat_)',
  prefixes: ['ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_', 'github_pat_'],
  head: 'g(?:h[pousr]_|ithub_pat_)',
  body: alnumUnderscore,
  min: 36,
  max: 255,
});

export const gitlabTokenDetector = prefixedTokenDetector({
  id: 'gitlab_token',
  description: 'GitLab personal/project access token (glpat-…)',
  prefixes: ['glpat-'],
  head: 'glpat-',
  body: alnumDashUnderscore,
  min: 20,
  max: 64,
});

export const slackTokenDetector = prefixedTokenDetector({
  id: 'slack_token',
  description: 'Slack token (xoxa-, xoxb-, xoxp-, xoxo-, xoxs-, xoxr-)',
  prefixes: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
  head: 'xox[abposr]-',
  body: alnumDash,
  min: 10,
  max: 250,
});

export const slackWebhookDetector: Detector = {
  ...prefixedTokenDetector({
    id: 'slack_webhook',
    description: 'Slack incoming webhook URL (hooks.slack.com/services/…)',
    prefixes: ['hooks.slack.com/services/', 'hooks.slack.com/workflows/'],
    head: 'hooks\\.slack\\.com/(?:services|workflows)/',
    body: (c) => isAlnum(c) || c === 47 || c === 95,
    min: 20,
    max: 200,
  }),
};

export const stripeKeyDetector = prefixedTokenDetector({
  id: 'stripe_key',
  description:
    'Stripe secret or restricted key (sk_live_, sk_test_, rk_live_, rk_test_) and webhook secret (whsec_)',
  prefixes: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_'],
  head: '(?:[sr]k_(?:live|test)|whsec)_',
  body: alnum,
  min: 16,
  max: 247,
});

export const googleApiKeyDetector = prefixedTokenDetector({
  id: 'google_api_key',
  description: 'Google API key (AIza + 35 characters)',
  prefixes: ['AIza'],
  head: 'AIza',
  body: alnumDashUnderscore,
  min: 35,
  max: 35,
});

/** Exposed for the linear-time tests and a check that each head matches exactly its prefixes. */
export const TOKEN_DETECTORS = [
  awsAccessKeyIdDetector,
  githubTokenDetector,
  gitlabTokenDetector,
  slackTokenDetector,
  slackWebhookDetector,
  stripeKeyDetector,
  googleApiKeyDetector,
];
