import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { OidcConfig } from './config.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import { basicAuth, errorMessage, fetchJson, form, type FetchLike } from './http.js';
import { stringList } from './claims.js';

export type IntrospectionOutcome =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly reason: string; readonly unavailable?: true };

export interface Introspector {
  introspect(token: string): Promise<IntrospectionOutcome>;
}

interface CacheEntry {
  readonly outcome: IntrospectionOutcome;
  readonly until: number;
}

const MAX_CACHE_ENTRIES = 10_000;

/**
 * RFC 7662 introspection for opaque tokens, authenticated with the gateway's own client
 * credentials. Results are cached under a hash of the token (the token itself is never kept) for
 * at most `cacheMaxAge` and never past the token's `exp`; inactive answers are cached for a few
 * seconds so a replayed bad token cannot hammer the IdP.
 */
export function createIntrospector(
  config: OidcConfig,
  audience: readonly string[],
  metadata: () => Promise<AuthorizationServerMetadata>,
  fetchImpl: FetchLike,
  now: () => number = Date.now,
): Introspector {
  const ic = config.introspection;
  if (!ic) throw new Error('introspection is not configured');
  const cache = new Map<string, CacheEntry>();

  const lookup = async (token: string): Promise<{ outcome: IntrospectionOutcome; ttlMs: number }> => {
    let endpoint = ic.endpoint;
    try {
      endpoint ??= (await metadata()).introspection_endpoint;
    } catch (err) {
      return { outcome: { ok: false, reason: errorMessage(err), unavailable: true }, ttlMs: 0 };
    }
    if (typeof endpoint !== 'string') {
      return {
        outcome: {
          ok: false,
          reason: `issuer ${config.issuer} publishes no introspection_endpoint`,
          unavailable: true,
        },
        ttlMs: 0,
      };
    }
    let res;
    try {
      res = await fetchJson(fetchImpl, endpoint, {
        method: 'POST',
        headers: {
          authorization: basicAuth(ic.clientId, ic.clientSecret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form({ token, token_type_hint: 'access_token' }),
      });
    } catch (err) {
      return {
        outcome: { ok: false, reason: `introspection failed: ${errorMessage(err)}`, unavailable: true },
        ttlMs: 0,
      };
    }
    if (res.status !== 200) {
      return {
        outcome: {
          ok: false,
          reason: `introspection endpoint answered HTTP ${res.status}`,
          unavailable: true,
        },
        ttlMs: 0,
      };
    }
    const claims = res.body as JWTPayload & { active?: unknown };
    const inactive = (reason: string) => ({ outcome: { ok: false as const, reason }, ttlMs: 5_000 });
    if (claims.active !== true) return inactive('token is not active');
    const t = now() / 1000;
    const skew = config.clockSkew / 1000;
    if (typeof claims.exp === 'number' && claims.exp + skew <= t) return inactive('token expired');
    if (typeof claims.nbf === 'number' && claims.nbf - skew > t) return inactive('token is not yet valid');
    if (claims.iss !== undefined && claims.iss !== config.issuer)
      return inactive('token issuer is not the configured issuer');
    // The audience must be present and name this gateway: a token minted for another API is not ours.
    const aud = stringList(claims.aud);
    if (!aud.some((a) => audience.includes(a))) return inactive('token audience is not this gateway');
    const untilExp = typeof claims.exp === 'number' ? claims.exp * 1000 - now() : Infinity;
    return { outcome: { ok: true, claims }, ttlMs: Math.max(0, Math.min(ic.cacheMaxAge, untilExp)) };
  };

  return {
    async introspect(token) {
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit.outcome;
      cache.delete(key);
      const { outcome, ttlMs } = await lookup(token);
      if (ttlMs > 0) {
        if (cache.size >= MAX_CACHE_ENTRIES) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(key, { outcome, until: now() + ttlMs });
      }
      return outcome;
    },
  };
}
