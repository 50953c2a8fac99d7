import { GatewayError } from '@mcpgate/core';

/** The fetch signature the package uses, injectable so embedders can add proxies or tracing. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * GETs or POSTs and parses a JSON object. Errors name the URL and status but never echo request
 * bodies, which may hold client secrets or tokens.
 */
export async function fetchJson(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit = {},
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      signal: init.signal ?? AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    throw new GatewayError('upstream_unavailable', `request to ${url} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new GatewayError(
      'upstream_error',
      `${url} answered HTTP ${res.status} with a body that is not JSON`,
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError(
      'upstream_error',
      `${url} answered HTTP ${res.status} with JSON that is not an object`,
    );
  }
  return { status: res.status, body: body as Record<string, unknown> };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Form-encodes a token-endpoint style body, dropping undefined values. */
export function form(params: Record<string, string | undefined>): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out.set(k, v);
  return out;
}

/** HTTP Basic credentials per RFC 6749 §2.3.1 (form-urlencode each part before base64). */
export function basicAuth(clientId: string, clientSecret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}
