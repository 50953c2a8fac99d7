import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/client';
import type { JsonObject } from '@mcpgate/core';

/**
 * `_meta` keys that describe the *caller* of a request. Toward an upstream the gateway is the caller
 * (the SDK attaches its own envelope on modern connections), so a downstream client's values are
 * dropped rather than forwarded — they would otherwise win over ours.
 */
const CALLER_META_KEYS = [
  'progressToken',
  PROTOCOL_VERSION_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
] as const;

/**
 * Params as sent upstream: the downstream's progress token and envelope keys removed from `_meta`,
 * our own progress token added when progress is wanted; everything else forwarded as given.
 */
export function outboundParams(
  params: JsonObject | undefined,
  token: string | undefined,
): JsonObject | undefined {
  const meta = params?._meta;
  const hasMeta = typeof meta === 'object' && meta !== null && !Array.isArray(meta);
  const carriesCallerKeys = hasMeta && CALLER_META_KEYS.some((k) => k in meta);
  if (token === undefined && !carriesCallerKeys) return params;
  const nextMeta: JsonObject = hasMeta ? { ...(meta as JsonObject) } : {};
  for (const k of CALLER_META_KEYS) delete nextMeta[k];
  if (token !== undefined) nextMeta.progressToken = token;
  const out: JsonObject = { ...(params ?? {}) };
  if (Object.keys(nextMeta).length > 0) out._meta = nextMeta;
  else delete out._meta;
  return out;
}

/** setTimeout's ceiling: the SDK's own request timeout is effectively off; `Deadline` enforces ours. */
export const NO_SDK_TIMEOUT = 2_147_483_647;

/** A per-request timeout that progress resets, folded into one abort signal with the caller's. */
export class Deadline {
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  expired = false;
  private readonly onAbort = (): void => this.ac.abort(this.caller.reason);

  constructor(
    private readonly ms: number,
    private readonly caller: AbortSignal,
  ) {
    if (caller.aborted) this.ac.abort(caller.reason);
    else caller.addEventListener('abort', this.onAbort, { once: true });
    this.reset();
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.ac.abort(new Error('request timeout'));
    }, this.ms);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onAbort);
  }
}
