import { canonicalJson, sha256Hex } from '@mcpgate/core';

export const DEFAULT_PAYLOAD_CAP_BYTES = 1024 * 1024;

/** What a payload becomes in the audit record when it is over the cap. */
export interface TruncatedPayload {
  readonly truncated: true;
  /** Size of the full payload's canonical JSON, in bytes. */
  readonly bytes: number;
  /** SHA-256 (hex) of the full payload's canonical JSON: proves what was sent without storing it. */
  readonly sha256: string;
  /** The first `cap` bytes of the canonical JSON (cut on a character boundary). */
  readonly preview: string;
}

/** Returns the payload itself when it fits, else a truncation record with its hash. */
export function capPayload(value: unknown, capBytes: number): unknown {
  if (value === undefined) return undefined;
  // Cheapest path: the native encoder's text has the canonical text's length (the same members,
  // only in another order), so a payload that clearly fits is kept without encoding it in JS —
  // the record's own encoding (buildRow) is the one that counts. Anything near the cap, or that
  // the native encoder cannot take, is measured exactly below.
  const native = nativeLength(value);
  if (native !== undefined && native * 3 <= capBytes) return value;
  const json = canonicalJson(value);
  // Cheap path: UTF-8 is at most 3 bytes per UTF-16 unit, so short strings never need counting.
  if (json.length * 3 <= capBytes) return value;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= capBytes) return value;
  const preview = Buffer.from(json, 'utf8')
    .subarray(0, capBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const out: TruncatedPayload = { truncated: true, bytes, sha256: sha256Hex(json), preview };
  return out;
}

function nativeLength(value: unknown): number | undefined {
  try {
    return JSON.stringify(value)?.length;
  } catch {
    return undefined; // bigint, cycles: the canonical encoder decides
  }
}

/** Caps a short free-form summary (notifications) far below the payload cap. */
export function capSummary(value: unknown, capBytes = 4096): unknown {
  return capPayload(value, capBytes);
}
