/**
 * The wire of the local control channel: newline-delimited JSON over a Unix socket. Values keep
 * their types across it (rows hold Dates and bytes), so they are tagged on the way out.
 */

export type ControlRequest =
  | { id: number; op: 'query'; text: string; params?: unknown[]; tx?: boolean }
  | { id: number; op: 'exec'; script: string }
  | { id: number; op: 'begin' | 'commit' | 'rollback' }
  | { id: number; op: 'notify'; channel: string; payload: string }
  | { id: number; op: 'listen' | 'unlisten'; channel: string };

export type ControlMessage =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string; code?: string }
  | { event: 'notify'; channel: string; payload: string };

export const CONTROL_SOCKET = 'control.sock';

export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') };
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    return v;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1) {
        if (typeof o.$date === 'string') return new Date(o.$date);
        if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
        if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      }
    }
    return v;
  });
}

/** Splits a byte stream into lines and hands each decoded message on. */
export function lineReader(onMessage: (msg: unknown) => void): (chunk: Buffer) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() !== '') onMessage(decode(line));
    }
  };
}
