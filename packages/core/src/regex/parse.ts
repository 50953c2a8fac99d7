/**
 * The one parser, and the one rule set, for every regular expression an operator writes in the
 * config: policy's `regex:` checks and JSON Schema `pattern`s (run on the linear-time engine in
 * vm.ts) and masking's custom patterns (run by JavaScript's backtracking engine, because masking
 * needs match positions). Refused everywhere, at load, with a clear message:
 *
 * - flags other than `i`, `m`, `s`, `u`, and anything JavaScript itself does not accept;
 * - backreferences (`\1`, `\k<name>`) and lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`);
 * - a repeated group (bound over 1) that contains a quantifier or an alternation (`(a+)+`,
 *   `(a|aa)*`, `(?:ab{1,3}){1,4}`) — the classic catastrophic-backtracking shape;
 * - a repetition bound over 256 (repetition is expanded, so this also bounds program size).
 *
 * On the backtracking engine (`bounded`), also: unbounded quantifiers (`*`, `+`, `{n,}`), more
 * than 8 quantifiers, and a pattern that matches the empty string — with these a scan costs at
 * most the input length times a constant fixed by the pattern. The linear engine needs none of
 * the three (its cost is input × program whatever the pattern), so policy keeps `*` and `+`.
 */
export type Pred = (cp: number) => boolean;

export type Node =
  | { readonly t: 'char'; readonly pred: Pred }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly options: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: 'start' | 'end' | 'word' | 'nonword' };

export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
  constructor(
    readonly source: string,
    /** The rule broken, without the pattern (e.g. `backreferences are not supported`). */
    readonly reason: string,
    readonly offset?: number,
  ) {
    super(`pattern /${source}/: ${reason}${offset === undefined ? '' : ` at offset ${offset}`}`);
  }
}

/** Largest `{n,m}` bound accepted; repetition is expanded, so this bounds program size. */
export const MAX_REPEAT = 256;
/** Most quantifiers in a pattern for the backtracking engine. */
export const MAX_QUANTIFIERS = 8;
export const ALLOWED_FLAGS = 'imsu';
const INF = Number.POSITIVE_INFINITY;

export interface ParseFlags {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
  readonly multiline: boolean;
  /** The pattern will run on a backtracking engine: the three extra rules apply. */
  readonly bounded?: boolean;
}

const isDigit: Pred = (c) => c >= 48 && c <= 57;
const isWord: Pred = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: Pred = (c) =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;
const isLineBreak: Pred = (c) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

export function isWordChar(cp: number): boolean {
  return isWord(cp);
}

function not(p: Pred): Pred {
  return (c) => !p(c);
}

function foldCase(p: Pred): Pred {
  return (c) => {
    if (p(c)) return true;
    const s = String.fromCodePoint(c);
    const lo = s.toLowerCase().codePointAt(0)!;
    const up = s.toUpperCase().codePointAt(0)!;
    return (lo !== c && p(lo)) || (up !== c && p(up));
  };
}

class Parser {
  private i = 0;
  private quantifiers = 0;
  constructor(
    private readonly src: string,
    private readonly flags: ParseFlags,
  ) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw this.fail(`unexpected "${this.src[this.i]}"`);
    return node;
  }

  private fail(msg: string): UnsafePatternError {
    return new UnsafePatternError(this.src, msg, this.i);
  }

  private peek(): string | undefined {
    return this.src[this.i];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      items.push(this.quantified());
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private quantified(): Node {
    const atom = this.atom();
    const q = this.quantifier();
    if (!q) return atom;
    if (atom.t === 'assert') throw this.fail('a quantifier cannot follow an anchor or boundary');
    const [min, max] = q;
    // An optional part (`?`) is matched at most once, so what it contains cannot multiply paths.
    if (max > 1 && repeatsOrBranches(atom)) {
      throw this.fail(
        'nested quantifiers (a repeated group that contains a quantifier or an alternation, like (a+)+ or (a|aa)*) can backtrack catastrophically; rewrite it without nesting',
      );
    }
    return { t: 'rep', node: atom, min, max };
  }

  private quantifier(): [number, number] | undefined {
    const c = this.peek();
    let q: [number, number] | undefined;
    if (c === '*') q = [0, INF];
    else if (c === '+') q = [1, INF];
    else if (c === '?') q = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return undefined; // a literal "{" like JS's Annex B; we reject it below in atom()
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? INF : Number(m[3]);
      if (max === INF && this.flags.bounded) throw this.fail('unbounded quantifier "{n,}" is not allowed');
      const bound = Math.max(min, max === INF ? 0 : max);
      if (bound > MAX_REPEAT) throw this.fail(`repeat bound ${bound} exceeds ${MAX_REPEAT}`);
      if (max < min) throw this.fail('repeat bounds out of order');
      this.i += m[0].length - 1;
      q = [min, max];
    }
    if (!q) return undefined;
    if (this.flags.bounded) {
      if (c === '*' || c === '+')
        throw this.fail(`unbounded quantifier "${c}" is not allowed (use {1,${MAX_REPEAT}})`);
      if (++this.quantifiers > MAX_QUANTIFIERS) throw this.fail(`more than ${MAX_QUANTIFIERS} quantifiers`);
    }
    this.i++;
    if (this.peek() === '?') this.i++; // lazy: same language, and we only ever test()
    return q;
  }

  private atom(): Node {
    const c = this.src[this.i++];
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        return this.char(this.flags.dotAll ? () => true : not(isLineBreak));
      case '^':
        return { t: 'assert', kind: 'start' };
      case '$':
        return { t: 'assert', kind: 'end' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
      case '{':
        this.i--;
        throw this.fail(`nothing to repeat before "${c}"`);
      case ')':
        this.i--;
        throw this.fail('unmatched ")"');
      default: {
        this.i--;
        const cp = this.src.codePointAt(this.i)!;
        this.i += cp > 0xffff ? 2 : 1;
        return this.char((x) => x === cp);
      }
    }
  }

  private char(pred: Pred): Node {
    return { t: 'char', pred: this.flags.ignoreCase ? foldCase(pred) : pred };
  }

  private group(): Node {
    if (this.peek() === '?') {
      const rest = this.src.slice(this.i, this.i + 3);
      if (
        rest.startsWith('?=') ||
        rest.startsWith('?!') ||
        rest.startsWith('?<=') ||
        rest.startsWith('?<!')
      ) {
        const which = rest.startsWith('?<') ? 'lookbehind' : 'lookahead';
        throw this.fail(`lookaround assertions (${which}) are not supported`);
      }
      if (rest.startsWith('?:')) this.i += 2;
      else if (rest.startsWith('?<')) {
        const end = this.src.indexOf('>', this.i);
        if (end < 0) throw this.fail('unterminated group name');
        this.i = end + 1;
      } else throw this.fail('unsupported group syntax');
    }
    const inner = this.alternation();
    if (this.peek() !== ')') throw this.fail('missing ")"');
    this.i++;
    return inner;
  }

  private escape(): Node {
    const c = this.src[this.i++];
    if (c === undefined) throw this.fail('trailing backslash');
    switch (c) {
      case 'd':
        return this.char(isDigit);
      case 'D':
        return this.char(not(isDigit));
      case 'w':
        return this.char(isWord);
      case 'W':
        return this.char(not(isWord));
      case 's':
        return this.char(isSpace);
      case 'S':
        return this.char(not(isSpace));
      case 'b':
        return { t: 'assert', kind: 'word' };
      case 'B':
        return { t: 'assert', kind: 'nonword' };
      case 'k':
        throw this.fail('backreferences are not supported');
      default:
        if (c >= '1' && c <= '9') throw this.fail('backreferences are not supported');
        this.i--;
        {
          const cp = this.escapedCodePoint();
          return this.char((x) => x === cp);
        }
    }
  }

  /** After a backslash (not a class escape): one literal code point. */
  private escapedCodePoint(): number {
    const c = this.src[this.i++]!;
    switch (c) {
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'f':
        return 12;
      case 'v':
        return 11;
      case '0':
        return 0;
      case 'x': {
        const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.i));
        if (!m) throw this.fail('bad \\x escape');
        this.i += 2;
        return parseInt(m[0], 16);
      }
      case 'u': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(this.src.slice(this.i));
        if (braced) {
          this.i += braced[0].length;
          return parseInt(braced[1]!, 16);
        }
        const m = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.i));
        if (!m) throw this.fail('bad \\u escape');
        this.i += 4;
        return parseInt(m[0], 16);
      }
      default:
        if (/[A-Za-z]/.test(c)) throw this.fail(`unsupported escape "\\${c}"`);
        return c.codePointAt(0)!;
    }
  }

  private charClass(): Node {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const preds: Pred[] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.i >= this.src.length) throw this.fail('unterminated character class');
      first = false;
      const lo = this.classAtom();
      if (typeof lo !== 'number') {
        preds.push(lo);
        continue;
      }
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        const hi = this.classAtom();
        if (typeof hi !== 'number') throw this.fail('class escape cannot end a range');
        if (hi < lo) throw this.fail('range out of order in character class');
        preds.push((x) => x >= lo && x <= hi);
      } else {
        preds.push((x) => x === lo);
      }
    }
    this.i++;
    const any: Pred = (x) => preds.some((p) => p(x));
    return this.char(negate ? not(any) : any);
  }

  private classAtom(): number | Pred {
    const c = this.src[this.i];
    if (c === '\\') {
      this.i++;
      const e = this.src[this.i];
      switch (e) {
        case 'd':
          this.i++;
          return isDigit;
        case 'D':
          this.i++;
          return not(isDigit);
        case 'w':
          this.i++;
          return isWord;
        case 'W':
          this.i++;
          return not(isWord);
        case 's':
          this.i++;
          return isSpace;
        case 'S':
          this.i++;
          return not(isSpace);
        case 'b':
          this.i++;
          return 8;
        default:
          if (e !== undefined && e >= '1' && e <= '9') throw this.fail('backreferences are not supported');
          return this.escapedCodePoint();
      }
    }
    const cp = this.src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

/** Whether a node contains a quantifier or an alternation (what a repeated group must not). */
function repeatsOrBranches(node: Node): boolean {
  switch (node.t) {
    case 'rep':
    case 'alt':
      return true;
    case 'seq':
      return node.items.some(repeatsOrBranches);
    default:
      return false;
  }
}

/** Refuses a pattern that breaks the rules (UnsafePatternError), else returns its syntax tree. */
export function parsePattern(source: string, flags: string, bounded = false): Node {
  for (const f of flags) {
    if (!ALLOWED_FLAGS.includes(f))
      throw new UnsafePatternError(source, `flag "${f}" is not allowed (use i, m, s, u)`);
  }
  let js: RegExp;
  try {
    js = new RegExp(source, flags);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UnsafePatternError(source, `not a valid regular expression: ${why}`);
  }
  const node = new Parser(source, {
    ignoreCase: flags.includes('i'),
    dotAll: flags.includes('s'),
    multiline: flags.includes('m'),
    bounded,
  }).parse();
  // A pattern that matches nothing at all would mask (or match) at every position.
  if (bounded && js.test('')) throw new UnsafePatternError(source, 'the pattern matches the empty string');
  return node;
}

/**
 * Why a pattern for the backtracking engine (masking's custom patterns) is refused, or undefined
 * when it is acceptable. Same rules as the linear engine's, plus the three `bounded` ones.
 */
export function unsafePatternReason(source: string, flags = ''): string | undefined {
  try {
    parsePattern(source, flags, true);
    return undefined;
  } catch (err) {
    if (err instanceof UnsafePatternError) return err.reason;
    throw err;
  }
}
