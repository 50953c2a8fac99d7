import { parseBearerChallenge } from '../challenge.js';
import type { FetchLike } from '../http.js';

/** The parameters of a `WWW-Authenticate: Bearer …` challenge that a client acts on. */
export interface BearerChallenge {
  /** RFC 9728 §5.1: where the protected-resource metadata is. */
  readonly resourceMetadata?: string;
  /** The scopes the resource wants for this request (RFC 6750 §3). */
  readonly scope?: string;
  readonly error?: string;
  readonly errorDescription?: string;
}

/** The challenge of a `WWW-Authenticate` value, as the fields a client acts on. */
export function readBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  const params = header ? parseBearerChallenge(header) : undefined;
  if (!params) return undefined;
  return {
    ...(params.resource_metadata !== undefined && { resourceMetadata: params.resource_metadata }),
    ...(params.scope !== undefined && { scope: params.scope }),
    ...(params.error !== undefined && { error: params.error }),
    ...(params.error_description !== undefined && { errorDescription: params.error_description }),
  };
}

/**
 * Asks the MCP endpoint itself what it wants, as a client without a token would: an unauthenticated
 * `initialize`. A 401/403 answer carries the challenge (metadata URL, scope) that the MCP
 * authorization spec says a client must use when present. Anything else (no challenge, an
 * unreachable endpoint) yields undefined and discovery falls back to the well-known URLs.
 */
export async function probeChallenge(
  url: string,
  fetchImpl: FetchLike,
): Promise<BearerChallenge | undefined> {
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'mcpgate-login', version: '1.0.0' },
        },
      }),
      signal: AbortSignal.timeout(10_000),
      redirect: 'manual',
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 401 && res.status !== 403) return undefined;
    return readBearerChallenge(res.headers.get('www-authenticate'));
  } catch {
    return undefined;
  }
}
