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

/** A prefixed detector's compiled form, shared by its own `find` and the merged scan below. */
interface CompiledPrefixed {
  readonly id: string;
  readonly prefixes: readonly string[];
  readonly head: string;
  /** 1 where an ASCII code unit may continue the body; every body alphabet is ASCII. */
  readonly body: Uint8Array;
  readonly min: number;
  readonly max: number;
  /** Bit identifying this spec in the cache of merged regexes. */
  readonly bit: number;
}

const COMPILED = Symbol('prefixed token spec');
const compiledSpecs: CompiledPrefixed[] = [];

function compile(spec: PrefixedTokenSpec): CompiledPrefixed {
  // The body predicate as a table: the scan loop is shared by all prefixed detectors, so calling
  // `spec.body` there is a megamorphic call per character, while a table read is a plain load.
  const body = new Uint8Array(128);
  for (let c = 0; c < 128; c++) body[c] = spec.body(c) ? 1 : 0;
  for (let c = 128; c < 0x10000; c++)
    if (spec.body(c)) throw new Error(`${spec.id}: body alphabet must be ASCII`);
  if (new RegExp(`${spec.head}|`).exec('')!.length !== 1)
    throw new Error(`${spec.id}: head must not capture`); // the merged scan numbers its own groups
  // The merged scan relies on at most one detector's prefix starting at any position.
  for (const other of compiledSpecs)
    for (const a of spec.prefixes)
      for (const b of other.prefixes)
        if (a.startsWith(b) || b.startsWith(a))
          throw new Error(`${spec.id}: prefix ${a} overlaps ${other.id}'s ${b}`);
  if (compiledSpecs.length >= 30) throw new Error('too many prefixed token detectors');
  const c: CompiledPrefixed = {
    id: spec.id,
    prefixes: spec.prefixes,
    head: spec.head,
    body,
    min: spec.min,
    max: spec.max,
    bit: 1 << compiledSpecs.length,
  };
  compiledSpecs.push(c);
  return c;
}

/**
 * Reads the body after a prefix at `p` (ending at `bodyStart`), pushes a match when it is a token
 * at a word start, and returns where the body scan stopped.
 */
function readToken(text: string, p: number, bodyStart: number, c: CompiledPrefixed, out: Match[]): number {
  let e = bodyStart;
  const stop = Math.min(text.length, bodyStart + c.max + 1);
  while (e < stop) {
    const ch = text.charCodeAt(e);
    if (ch >= 128 || c.body[ch] === 0) break;
    e++;
  }
  const len = e - bodyStart;
  if (!isWord(at(text, p - 1)) && len >= c.min && len <= c.max)
    out.push({ detector: c.id, start: p, end: e, priority: PRIORITY.secret });
  return e;
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
  const c = compile(spec);
  const detector: Detector & { readonly [COMPILED]: CompiledPrefixed } = {
    id: spec.id,
    kind: 'secret',
    description: spec.description,
    triggers: spec.prefixes,
    minLength: Math.min(...spec.prefixes.map((p) => p.length)) + spec.min,
    [COMPILED]: c,
    find(text: string, out: Match[]): void {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const p = m.index;
        const e = readToken(text, p, p + m[0].length, c, out);
        re.lastIndex = Math.max(e, p + 1);
      }
    },
  };
  return detector;
}

/** The compiled spec of a prefixed token detector (kept by `{ ...detector }` copies), if it is one. */
function compiledOf(d: Detector): CompiledPrefixed | undefined {
  return (d as Partial<Record<typeof COMPILED, CompiledPrefixed>>)[COMPILED];
}

export function isPrefixedTokenDetector(d: Detector): boolean {
  return compiledOf(d) !== undefined;
}

/**
 * One alternation of several detectors' heads, one capture group each, cached by spec set. The
 * groups follow the specs' creation order (not the caller's), so the cached regex fits any order
 * of the same set; `order[g]` is the caller's index of group g + 1.
 */
const mergedCache = new Map<number, RegExp>();

function mergedRegex(specs: readonly CompiledPrefixed[]): { re: RegExp; order: number[] } {
  let key = 0;
  for (const c of specs) key |= c.bit;
  const order = specs.map((_, k) => k).sort((a, b) => specs[a]!.bit - specs[b]!.bit);
  let re = mergedCache.get(key);
  if (!re) {
    re = new RegExp(order.map((k) => `(${specs[k]!.head})`).join('|'), 'g');
    mergedCache.set(key, re);
  }
  return { re, order };
}

/**
 * Runs several prefixed token detectors in one regex pass over `text` instead of one pass each;
 * `out[k]` receives exactly what `detectors[k].find` would push, in the same order.
 *
 * Equivalence: at most one detector's prefix can start at a position (checked when the
 * detectors are built), so stepping the merged regex one position past each hit visits every
 * prefix occurrence of every detector in order; each detector keeps its own resume point and
 * skips hits before it, as its own regex (restarted at that point) would.
 */
export function findPrefixedTokens(text: string, detectors: readonly Detector[], out: Match[][]): void {
  const specs = detectors.map((d) => {
    const c = compiledOf(d);
    if (!c) throw new Error(`${d.id} is not a prefixed token detector`);
    return c;
  });
  const { re, order } = mergedRegex(specs);
  const resume = new Array<number>(specs.length).fill(0);
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const p = m.index;
    let g = 0;
    while (m[g + 1] === undefined) g++;
    const k = order[g]!;
    if (p >= resume[k]!) {
      const e = readToken(text, p, p + m[0].length, specs[k]!, out[k]!);
      resume[k] = Math.max(e, p + 1);
    }
    re.lastIndex = p + 1;
  }
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
