import { isWordChar, parsePattern, type Node, type Pred } from './parse.js';

/**
 * A Thompson-NFA (Pike VM) matcher: every input position is visited once with at most one
 * thread per program instruction, so `test()` is O(input × program) whatever the pattern or the
 * input. Used for every regular expression in policy, including ajv's JSON Schema `pattern`.
 * (Masking needs match positions, so its patterns run on RegExp under the stricter `bounded` rules.)
 */
type Inst =
  | { op: 'char'; pred: Pred; next: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'assert'; kind: 'start' | 'end' | 'word' | 'nonword'; next: number }
  | { op: 'match' };

/** Program size cap: repetition is expanded, so `(x{1000}){1000}` must be refused, not compiled. */
const MAX_PROGRAM = 20_000;

class Compiler {
  readonly prog: Inst[] = [];

  emit(inst: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) throw new Error(`pattern too large (over ${MAX_PROGRAM} states)`);
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  /** Compiles node so that it continues at the returned patch list's targets. */
  compile(node: Node): void {
    switch (node.t) {
      case 'char': {
        const at = this.emit({ op: 'char', pred: node.pred, next: -1 });
        (this.prog[at] as { next: number }).next = at + 1;
        return;
      }
      case 'assert': {
        const at = this.emit({ op: 'assert', kind: node.kind, next: -1 });
        (this.prog[at] as { next: number }).next = at + 1;
        return;
      }
      case 'seq':
        for (const item of node.items) this.compile(item);
        return;
      case 'alt': {
        // split L1, next ; L1: a ; jmp end ; next: split L2, ... ; last option falls through.
        const jumps: number[] = [];
        node.options.forEach((opt, idx) => {
          if (idx < node.options.length - 1) {
            const split = this.emit({ op: 'split', a: -1, b: -1 });
            (this.prog[split] as { a: number }).a = split + 1;
            this.compile(opt);
            jumps.push(this.emit({ op: 'jmp', to: -1 }));
            (this.prog[split] as { b: number }).b = this.prog.length;
          } else {
            this.compile(opt);
          }
        });
        for (const j of jumps) (this.prog[j] as { to: number }).to = this.prog.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < node.min; k++) this.compile(node.node);
        if (node.max === Number.POSITIVE_INFINITY) {
          const split = this.emit({ op: 'split', a: -1, b: -1 });
          (this.prog[split] as { a: number }).a = split + 1;
          this.compile(node.node);
          this.emit({ op: 'jmp', to: split });
          (this.prog[split] as { b: number }).b = this.prog.length;
          return;
        }
        const splits: number[] = [];
        for (let k = node.min; k < node.max; k++) {
          const split = this.emit({ op: 'split', a: -1, b: -1 });
          (this.prog[split] as { a: number }).a = split + 1;
          splits.push(split);
          this.compile(node.node);
        }
        for (const s of splits) (this.prog[s] as { b: number }).b = this.prog.length;
        return;
      }
    }
  }
}

export interface SafeRegex {
  readonly source: string;
  readonly flags: string;
  test(input: string): boolean;
  toString(): string;
}

/** For ajv's `code.regExp` option: every JSON Schema `pattern` then runs on this engine. */
export const safeRegExpEngine = Object.assign(
  (pattern: string, flags: string) => compileSafeRegex(pattern, flags),
  {
    code: 'compileSafeRegex',
  },
);

/**
 * Compiles a pattern with flags from `imsu` (others are refused). Throws UnsafePatternError for
 * what the rules refuse (see parse.ts).
 */
export function compileSafeRegex(source: string, flags = ''): SafeRegex {
  const multiline = flags.includes('m');
  const ast = parsePattern(source, flags);
  const c = new Compiler();
  c.compile(ast);
  c.emit({ op: 'match' });
  const prog = c.prog;
  const label = `/${source}/${flags}`;
  // toString matters: ajv keys compiled patterns by it.
  return { source, flags, test: (input) => run(prog, input, multiline), toString: () => label };
}

function isBreak(cp: number): boolean {
  return cp === 10 || cp === 13 || cp === 0x2028 || cp === 0x2029;
}

function run(prog: readonly Inst[], input: string, multiline: boolean): boolean {
  const n = prog.length;
  let clist = new Int32Array(n);
  let nlist = new Int32Array(n);
  let ccount = 0;
  // Generation marks instead of clearing a visited set per step.
  const mark = new Uint32Array(n);
  let gen = 1;
  const stack = new Int32Array(n * 2 + 2);

  // Adds pc and everything reachable through epsilon moves; returns true on reaching match.
  const add = (
    list: Int32Array,
    count: number,
    pc0: number,
    prev: number,
    cur: number,
  ): [number, boolean] => {
    let sp = 0;
    stack[sp++] = pc0;
    let matched = false;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      const inst = prog[pc]!;
      switch (inst.op) {
        case 'jmp':
          stack[sp++] = inst.to;
          break;
        case 'split':
          stack[sp++] = inst.b;
          stack[sp++] = inst.a;
          break;
        case 'assert': {
          let ok: boolean;
          if (inst.kind === 'start') ok = prev < 0 || (multiline && isBreak(prev));
          else if (inst.kind === 'end') ok = cur < 0 || (multiline && isBreak(cur));
          else {
            const boundary = (prev >= 0 && isWordChar(prev)) !== (cur >= 0 && isWordChar(cur));
            ok = inst.kind === 'word' ? boundary : !boundary;
          }
          if (ok) stack[sp++] = inst.next;
          break;
        }
        case 'match':
          matched = true;
          break;
        case 'char':
          list[count++] = pc;
          break;
      }
    }
    return [count, matched];
  };

  let prev = -1;
  let i = 0;
  for (;;) {
    const cur = i < input.length ? input.codePointAt(i)! : -1;
    // Unanchored search: a new thread starts at every position.
    const [cnt, hit] = add(clist, ccount, 0, prev, cur);
    ccount = cnt;
    if (hit) return true;
    if (cur < 0) return false;
    gen++;
    let ncount = 0;
    const next = i + (cur > 0xffff ? 2 : 1);
    const after = next < input.length ? input.codePointAt(next)! : -1;
    for (let k = 0; k < ccount; k++) {
      const inst = prog[clist[k]!]! as { op: 'char'; pred: Pred; next: number };
      if (inst.pred(cur)) {
        const [c2, m2] = add(nlist, ncount, inst.next, cur, after);
        ncount = c2;
        if (m2) return true;
      }
    }
    [clist, nlist] = [nlist, clist];
    ccount = ncount;
    prev = cur;
    i = next;
  }
}
