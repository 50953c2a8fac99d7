import { createHash, hash } from 'node:crypto';

/**
 * Canonical JSON (RFC 8785 style for the JSON we handle): object keys sorted by UTF-16 code units,
 * no insignificant whitespace, `undefined` members dropped, non-finite numbers rejected.
 * Audit hashes and approval bindings are computed over this encoding, so it must never change
 * shape silently: tests pin its output.
 *
 * The encoder is iterative (an explicit work stack, not recursion): it runs over client and
 * upstream data, and a recursive walk would turn one deeply nested argument into a stack overflow.
 * Depth limits are enforced where messages enter the gateway; this only makes sure no depth can
 * crash the encoder itself. A cycle (impossible in JSON, possible in a caller's object) is refused.
 *
 * Every audit record is encoded on the call path, so the common case takes a fast recursive
 * encoder (string concatenation, no work items): it gives up at FAST_DEPTH — deep data or a
 * cycle — and the iterative encoder then does the whole value. Both produce the same text (a
 * test pins them together on the same inputs).
 */
export function canonicalJson(value: unknown): string {
  try {
    return encodeFast(value, 0);
  } catch (err) {
    if (err !== TOO_DEEP) throw err;
  }
  return canonicalJsonIterative(value);
}

/** Nesting the fast encoder handles by recursion: far below any stack limit, above real payloads. */
const FAST_DEPTH = 128;
/** Thrown by the fast encoder only, caught in canonicalJson: one instance, never seen outside. */
const TOO_DEEP = new Error('too deep for the fast canonical JSON encoder');

function encodeFast(v: unknown, depth: number): string {
  if (typeof v === 'string') return v.length <= 64 && plainAscii(v) ? `"${v}"` : JSON.stringify(v);
  if (typeof v !== 'object' || v === null || v instanceof Date) return encodeScalar(v)!;
  if (depth >= FAST_DEPTH) throw TOO_DEEP;
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      const el: unknown = v[i];
      s += el === undefined ? 'null' : encodeFast(el, depth + 1);
    }
    return s + ']';
  }
  const rec = v as Record<string, unknown>;
  const keys = Object.keys(rec).sort();
  let s = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = rec[k];
    if (x === undefined) continue;
    if (s.length > 1) s += ',';
    s += plainAscii(k) ? `"${k}":` : `${JSON.stringify(k)}:`;
    s += encodeFast(x, depth + 1);
  }
  return s + '}';
}

/**
 * A string JSON.stringify would quote as it is (printable ASCII, no quote or backslash) — nearly
 * every key and most short values in a record — is quoted by hand: for short strings the native
 * call costs more than this scan (a test pins the two encoders together on the same inputs).
 */
function plainAscii(k: string): boolean {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** The reference encoder: iterative, so no depth can overflow the stack; refuses cycles. */
export function canonicalJsonIterative(value: unknown): string {
  const out: string[] = [];
  /** Work items, popped last-in first-out: text to emit, a value to encode, or the end of a container. */
  const work: Work[] = [{ value }];
  const open = new Set<object>();
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    if ('leave' in item) {
      open.delete(item.leave);
      continue;
    }
    const v = item.value;
    const scalar = encodeScalar(v);
    if (scalar !== undefined) {
      out.push(scalar);
      continue;
    }
    const obj = v as object;
    if (open.has(obj)) throw new TypeError('canonicalJson: cyclic structure');
    open.add(obj);
    work.push({ leave: obj });
    if (Array.isArray(obj)) {
      work.push({ text: ']' });
      for (let i = obj.length - 1; i >= 0; i--) {
        const el: unknown = obj[i];
        work.push({ value: el === undefined ? null : el });
        if (i > 0) work.push({ text: ',' });
      }
      work.push({ text: '[' });
      continue;
    }
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec)
      .filter((k) => rec[k] !== undefined)
      .sort();
    work.push({ text: '}' });
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      work.push({ value: rec[k] });
      work.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
    }
    work.push({ text: '{' });
  }
  return out.join('');
}

type Work = { readonly text: string } | { readonly value: unknown } | { readonly leave: object };

/** The encoding of a non-container value; undefined for arrays and plain objects. */
function encodeScalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      return undefined;
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

// crypto.hash (one shot, Node >= 20.12) skips the Hash object a createHash chain allocates.
const oneShot = typeof hash === 'function';

export function sha256Hex(data: string | Uint8Array): string {
  if (oneShot) return hash('sha256', data, 'hex');
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of a JSON value's canonical form: equal values ⇔ equal hashes, whatever the key order. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
