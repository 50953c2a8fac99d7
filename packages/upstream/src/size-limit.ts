import type { FetchLike } from '@modelcontextprotocol/client';

/**
 * Wraps fetch so no single upstream message can make us buffer without bound over HTTP: a JSON body
 * is limited as a whole, a `text/event-stream` body per event (bytes between blank lines). Past the
 * limit the body stream errors, which fails the request (JSON) or ends the stream (SSE) — the
 * oversized message itself is never assembled.
 */
export function limitedFetch(limit: number, base: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    const res = await base(url, init);
    if (!res.body) return res;
    const isSse = (res.headers.get('content-type') ?? '').includes('text/event-stream');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (!isSse && Number.isFinite(declared) && declared > limit) {
      void res.body.cancel().catch(() => undefined);
      throw new Error(`upstream response of ${declared} bytes exceeds the ${limit}-byte message limit`);
    }
    const body = res.body.pipeThrough(isSse ? sseLimiter(limit) : totalLimiter(limit));
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function totalLimiter(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        controller.error(new Error(`upstream message exceeds the ${limit}-byte limit`));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

/** Counts bytes since the last event boundary (`\n\n`, tolerating `\r\n`). */
function sseLimiter(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let sinceBoundary = 0;
  let lastWasNewline = false;
  return new TransformStream({
    transform(chunk, controller) {
      for (const byte of chunk) {
        if (byte === 0x0a) {
          if (lastWasNewline) sinceBoundary = 0;
          lastWasNewline = true;
        } else if (byte !== 0x0d) {
          lastWasNewline = false;
          sinceBoundary += 1;
          if (sinceBoundary > limit) {
            controller.error(new Error(`upstream SSE event exceeds the ${limit}-byte message limit`));
            return;
          }
        }
      }
      controller.enqueue(chunk);
    },
  });
}
