/** Node's IncomingHttpHeaders, a fetch Headers object, or any plain map of header values. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'api-key'; readonly key: string }
  | { readonly kind: 'invalid'; readonly reason: string };

function headerValues(headers: HeaderSource, name: string): string[] {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    const v = (headers as Headers).get(name);
    return v === null ? [] : [v];
  }
  const rec = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const found: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (k.toLowerCase() !== name || v === undefined) continue;
    if (typeof v === 'string') found.push(v);
    else found.push(...v);
  }
  return found;
}

/**
 * Finds the one credential a request presents. More than one (two Authorization headers, or
 * Authorization plus X-API-Key) is a malformed request (RFC 6750 §3.1 invalid_request): guessing
 * which one counts invites confusion between what was checked and what was logged.
 */
export function extractCredential(headers: HeaderSource): Credential {
  const authz = headerValues(headers, 'authorization');
  const apiKey = headerValues(headers, 'x-api-key');
  if (authz.length + apiKey.length === 0) return { kind: 'none' };
  if (authz.length + apiKey.length > 1 || authz.some((v) => v.includes(','))) {
    return { kind: 'invalid', reason: 'more than one credential presented' };
  }
  if (apiKey[0] !== undefined) {
    const key = apiKey[0].trim();
    return key ? { kind: 'api-key', key } : { kind: 'invalid', reason: 'empty X-API-Key header' };
  }
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authz[0] ?? '');
  if (!m?.[1]) return { kind: 'invalid', reason: 'Authorization header is not a Bearer token' };
  return { kind: 'bearer', token: m[1] };
}
