/** RFC 6750 error codes a bearer-protected resource answers with. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

export interface ChallengeOptions {
  /** RFC 9728 metadata URL; tells the client where to discover the authorization server. */
  readonly resourceMetadata?: string;
  readonly error?: BearerError;
  readonly description?: string;
  /** Scopes needed (insufficient_scope) or useful (401) for this resource. */
  readonly scope?: readonly string[];
  readonly realm?: string;
}

/** Quoted-string per RFC 9110: backslash-escape `"` and `\`, drop control characters. */
function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/[\x00-\x1f\x7f]/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * `WWW-Authenticate: Bearer …` for a 401/403. A request with no credentials gets no `error`
 * (RFC 6750 §3.1); the metadata pointer is always included so clients can start a login.
 */
export function bearerChallenge(options: ChallengeOptions): string {
  const params: string[] = [];
  if (options.realm !== undefined) params.push(`realm=${quote(options.realm)}`);
  if (options.resourceMetadata !== undefined)
    params.push(`resource_metadata=${quote(options.resourceMetadata)}`);
  if (options.error !== undefined) params.push(`error=${quote(options.error)}`);
  if (options.description !== undefined) params.push(`error_description=${quote(options.description)}`);
  if (options.scope !== undefined && options.scope.length > 0)
    params.push(`scope=${quote(options.scope.join(' '))}`);
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/** Parses the auth-params of a `Bearer` challenge (client side: finding `resource_metadata`). */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const m = /(?:^|,\s*)Bearer(?:\s+(.*))?$/i.exec(header.trim());
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const p of (m[1] ?? '').matchAll(re)) {
    const key = p[1];
    if (key === undefined) continue;
    out[key.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return out;
}
