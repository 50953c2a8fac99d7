import type { FetchLike } from '@modelcontextprotocol/client';

/** Raised (inside the SDK transport) when a remote's JSON body passes `maxMessageBytes`. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
  constructor(
    readonly limit: number,
    what: string,
  ) {
    super(`upstream ${what} exceeds the ${limit}-byte message limit`);
  }
}

/** Marker in the `data` of the JSON-RPC error we substitute for an oversized response. */
export const TOO_LARGE_MARKER = 'mcpgateMessageTooLarge';

type JsonRpcId = string | number;

/**
 * Wraps fetch so no single upstream message can make us buffer without bound over HTTP.
 *
 * - A JSON body is limited as a whole: over the limit, the body stream errors (the request fails).
 * - An SSE body is limited per event (bytes between blank lines). An oversized event is cut off
 *   and skipped — never assembled. When the stream answers one POSTed request (Streamable HTTP),
 *   a JSON-RPC error for that request id takes its place, so the call fails at once; on a stream
 *   that serves no single request (legacy SSE, the GET stream) `onDropped` is told instead.
 */
export function limitedFetch(
  limit: number,
  onDropped: () => void = () => undefined,
  base: FetchLike = fetch,
): FetchLike {
  return async (url, init) => {
    const res = await base(url, init);
    if (!res.body) return res;
    const isSse = (res.headers.get('content-type') ?? '').includes('text/event-stream');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (!isSse && Number.isFinite(declared) && declared > limit) {
      void res.body.cancel().catch(() => undefined);
      throw new MessageTooLargeError(limit, `response of ${declared} bytes`);
    }
    const body = res.body.pipeThrough(
      isSse ? sseLimiter(limit, requestId(init), onDropped) : totalLimiter(limit),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** The id of the single JSON-RPC request a POST carries, if it carries exactly one. */
function requestId(init: RequestInit | undefined): JsonRpcId | undefined {
  if (init?.method !== 'POST' || typeof init.body !== 'string') return undefined;
  try {
    const msg = JSON.parse(init.body) as { id?: unknown; method?: unknown };
    const id = msg.id;
    return typeof msg.method === 'string' && (typeof id === 'string' || typeof id === 'number')
      ? id
      : undefined;
  } catch {
    return undefined;
  }
}

function totalLimiter(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        controller.error(new MessageTooLargeError(limit, 'message'));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

function sseLimiter(
  limit: number,
  id: JsonRpcId | undefined,
  onDropped: () => void,
): TransformStream<Uint8Array, Uint8Array> {
  const enc = new TextEncoder();
  let since = 0;
  let lastWasNewline = false;
  let skipping = false;
  const replacement = (): Uint8Array | undefined => {
    if (id === undefined) {
      onDropped();
      return undefined;
    }
    const error = {
      jsonrpc: '2.0',
      id,
      error: {
        code: -32600,
        message: `upstream message exceeds the ${limit}-byte limit`,
        data: { [TOO_LARGE_MARKER]: limit },
      },
    };
    return enc.encode(`event: message\ndata: ${JSON.stringify(error)}\n\n`);
  };
  return new TransformStream({
    transform(chunk, controller) {
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === 0x0a) {
          if (lastWasNewline) {
            since = 0;
            if (skipping) {
              skipping = false;
              start = i + 1;
              const r = replacement();
              if (r) controller.enqueue(r);
            }
          }
          lastWasNewline = true;
        } else if (byte !== 0x0d) {
          lastWasNewline = false;
          if (skipping) continue;
          since += 1;
          if (since > limit) {
            // Pass what came before, then end the event: the parser drops the truncated (invalid)
            // message, and we discard the rest of it as it streams by.
            controller.enqueue(chunk.subarray(start, i));
            controller.enqueue(enc.encode('\n\n'));
            skipping = true;
          }
        }
      }
      if (!skipping && start < chunk.length) controller.enqueue(chunk.subarray(start));
    },
  });
}
