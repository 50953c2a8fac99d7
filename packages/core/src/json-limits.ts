/**
 * Depth limits for JSON that enters the gateway (from clients and from upstreams). Every walk over
 * such data — encoding, masking, policy matching, size estimation — may assume it is no deeper
 * than `limits.maxJsonDepth`, because messages deeper than that are refused where they arrive.
 * Both checks here are iterative, so they cannot themselves overflow the stack.
 */

/** Default for `limits.maxJsonDepth`; docs/security.md explains the choice. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a parsed JSON value, counted up to `limit + 1` and no further (so the cost
 * of an over-deep value is bounded by the limit, not by its size): `1` and `"a"` are 0, `{}` and
 * `[1]` are 1, `{"a":[{}]}` is 3.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<{ readonly v: unknown; readonly d: number }> = [{ v: value, d: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, d } = top;
    if (typeof v !== 'object' || v === null) continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    const children = Array.isArray(v) ? (v as unknown[]) : Object.values(v as Record<string, unknown>);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push({ v: c, d: depth });
  }
  return max;
}

/** Longest id we bother to read out of a frame we refuse (a real id is a few dozen characters). */
const MAX_ID_CHARS = 256;

/**
 * A single-pass scanner over the text of one JSON-RPC frame, fed in chunks (bytes or string) as
 * they arrive: it measures the nesting depth and reads the top-level `"id"` member without parsing
 * the frame. The faces use it to refuse an over-deep frame *before* `JSON.parse` and any walk over
 * it, and to answer a frame they refuse (too large, too deep) with its own id when that id is
 * readable — instead of `id: null`, which leaves the client waiting. Memory is constant: the
 * frame is never buffered here.
 *
 * It does not validate JSON (garbage in gives a best-effort answer out); only UTF-8's ASCII range
 * is structural, so multi-byte characters and invalid sequences inside strings are skipped safely.
 */
export class JsonFrameScanner {
  /** Deepest nesting seen so far. */
  maxDepth = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private topIsObject = false;
  private expectKey = false;
  /** What the string being read is: a depth-1 key, the id's value, or anything else. */
  private capture: 'none' | 'key' | 'id' = 'none';
  private buf = '';
  private overflow = false;
  private keyWasId = false;
  private idValueNext = false;
  private numberRaw: string | undefined;
  private found: string | number | null = null;
  private method = false;

  /** Whether the frame has a top-level `"method"` member (a request or notification, not a response). */
  get hasMethod(): boolean {
    return this.method;
  }

  /** The top-level `"id"` seen so far (string or finite number), or null. */
  get id(): string | number | null {
    return this.found;
  }

  reset(): void {
    this.maxDepth = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.topIsObject = false;
    this.expectKey = false;
    this.capture = 'none';
    this.buf = '';
    this.overflow = false;
    this.keyWasId = false;
    this.idValueNext = false;
    this.numberRaw = undefined;
    this.found = null;
    this.method = false;
  }

  feed(chunk: Uint8Array | string): void {
    const isText = typeof chunk === 'string';
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = isText ? chunk.charCodeAt(i) : chunk[i]!;
      if (this.inString) {
        this.stringChar(c);
        continue;
      }
      switch (c) {
        case 0x22: // "
          this.endNumber();
          this.inString = true;
          this.buf = '';
          this.overflow = false;
          if (this.depth === 1 && this.expectKey) {
            this.capture = 'key';
            this.expectKey = false;
          } else if (this.depth === 1 && this.idValueNext) {
            this.capture = 'id';
          } else {
            this.capture = 'none';
          }
          this.idValueNext = false;
          break;
        case 0x7b: // {
        case 0x5b: // [
          this.endNumber();
          this.idValueNext = false;
          this.depth++;
          if (this.depth > this.maxDepth) this.maxDepth = this.depth;
          if (this.depth === 1) {
            this.topIsObject = c === 0x7b;
            this.expectKey = this.topIsObject;
          }
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.endNumber();
          if (this.depth > 0) this.depth--;
          break;
        case 0x2c: // ,
          this.endNumber();
          if (this.depth === 1) this.expectKey = this.topIsObject;
          break;
        case 0x3a: // :
          if (this.depth === 1 && this.keyWasId) this.idValueNext = true;
          this.keyWasId = false;
          break;
        case 0x20:
        case 0x09:
        case 0x0a:
        case 0x0d:
          this.endNumber();
          break;
        default:
          if (this.numberRaw !== undefined) {
            if (this.numberRaw.length < MAX_ID_CHARS) this.numberRaw += String.fromCharCode(c);
          } else if (this.idValueNext) {
            this.idValueNext = false;
            if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.numberRaw = String.fromCharCode(c);
          }
      }
    }
  }

  private stringChar(c: number): void {
    if (this.escaped) {
      this.escaped = false;
      this.keep(c);
      return;
    }
    if (c === 0x5c) {
      this.escaped = true;
      this.keep(c);
      return;
    }
    if (c !== 0x22) {
      this.keep(c);
      return;
    }
    this.inString = false;
    if (this.capture === 'key') {
      this.keyWasId = !this.overflow && this.buf === 'id';
      if (!this.overflow && this.buf === 'method') this.method = true;
    } else if (this.capture === 'id' && !this.overflow) {
      try {
        this.found = JSON.parse(`"${this.buf}"`) as string;
      } catch {
        // Not a readable string: no id.
      }
    }
    this.capture = 'none';
  }

  private keep(c: number): void {
    if (this.capture === 'none' || this.overflow) return;
    // Only ASCII is kept: a non-ASCII id is rare enough to be answered with null.
    if (c > 0x7e || this.buf.length >= MAX_ID_CHARS) {
      this.overflow = true;
      return;
    }
    this.buf += String.fromCharCode(c);
  }

  private endNumber(): void {
    if (this.numberRaw === undefined) return;
    const n = Number(this.numberRaw);
    if (Number.isFinite(n) && this.numberRaw.length < MAX_ID_CHARS) this.found = n;
    this.numberRaw = undefined;
  }

  /** Call at the end of the frame: a number id may run to the very end of it. */
  finish(): this {
    this.endNumber();
    return this;
  }
}

/** Scans a whole frame at once. */
export function scanJsonFrame(text: string | Uint8Array): JsonFrameScanner {
  const s = new JsonFrameScanner();
  s.feed(text);
  return s.finish();
}

/**
 * The refusal text for a message over the depth limit, naming the limit and the depth found
 * (`depth` over `limit` means "at least that deep": the value walker stops counting there).
 */
export function tooDeepMessage(limit: number, depth: number, exact: boolean, what = 'message'): string {
  const found = exact ? `${depth} levels deep` : `more than ${limit} levels deep`;
  return `${what} is nested ${found}, over limits.maxJsonDepth (${limit})`;
}
