import { createHash } from 'node:crypto';

/**
 * Canonical JSON (RFC 8785 style for the JSON we handle): object keys sorted by UTF-16 code units,
 * no insignificant whitespace, `undefined` members dropped, non-finite numbers rejected.
 * Audit hashes and approval bindings are computed over this encoding, so it must never change
 * shape silently: tests pin its output.
 */
export function canonicalJson(value: unknown): string {
  return encode(value);
}

function encode(value: unknown): string {
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
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v: unknown) => (v === undefined ? 'null' : encode(v))).join(',')}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of a JSON value's canonical form: equal values ⇔ equal hashes, whatever the key order. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
