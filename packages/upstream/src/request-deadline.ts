import type { JsonObject } from '@mcpgate/core';

/**
 * A downstream progress token must never reach the upstream (the SDK mints its own when we ask for
 * progress), so it is dropped from `_meta`; everything else is forwarded as given.
 */
export function withProgressToken(
  params: JsonObject | undefined,
  token: string | undefined,
): JsonObject | undefined {
  const meta = params?._meta;
  const hasMeta = typeof meta === 'object' && meta !== null;
  if (token === undefined && !(hasMeta && 'progressToken' in meta)) return params;
  const { progressToken: _drop, ...rest } = hasMeta ? (meta as JsonObject) : {};
  const nextMeta = token === undefined ? rest : { ...rest, progressToken: token };
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
