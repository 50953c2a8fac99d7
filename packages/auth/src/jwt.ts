import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { JWSHeaderParameters, FlattenedJWSInput, JWTPayload } from 'jose';
import type { OidcConfig } from './config.js';
import type { AuthorizationServerMetadata } from './discovery.js';
import type { FetchLike } from './http.js';

export type JwtOutcome =
  | { readonly ok: true; readonly claims: JWTPayload }
  | { readonly ok: false; readonly reason: string; readonly unavailable?: true };

export interface JwtVerifier {
  verify(token: string): Promise<JwtOutcome>;
}

/** A compact JWS has three base64url segments; anything else is treated as an opaque token. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/**
 * Verifies JWT access tokens against the issuer's key set. The key set is fetched lazily (after
 * discovery), cached for `jwksCacheMaxAge`, and refetched when a token names an unknown `kid` —
 * at most once per `jwksCooldown`, so forged `kid`s cannot turn into a request flood
 * against the IdP.
 */
export function createJwtVerifier(
  config: OidcConfig,
  audience: readonly string[],
  metadata: () => Promise<AuthorizationServerMetadata>,
  fetchImpl: FetchLike,
): JwtVerifier {
  let keySet: ReturnType<typeof createRemoteJWKSet> | undefined;
  const getKeySet = async () => {
    if (keySet) return keySet;
    const uri = config.jwksUri ?? (await metadata()).jwks_uri;
    if (typeof uri !== 'string') throw new UnavailableError(`issuer ${config.issuer} publishes no jwks_uri`);
    keySet = createRemoteJWKSet(new URL(uri), {
      cacheMaxAge: config.jwksCacheMaxAge,
      cooldownDuration: config.jwksCooldown,
      timeoutDuration: 5_000,
      [customFetch]: (url, options) => fetchImpl(url, options),
    });
    return keySet;
  };
  const keys = async (header: JWSHeaderParameters, token: FlattenedJWSInput) =>
    (await getKeySet())(header, token);
  const allowed = new Set<string>(config.algorithms);

  return {
    async verify(token) {
      // Checked before any key lookup so `none`/HS* never reach key selection, whatever jose does.
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return { ok: false, reason: 'token is not a well-formed JWT' };
      }
      if (typeof alg !== 'string' || !allowed.has(alg)) {
        return {
          ok: false,
          reason: `token algorithm ${JSON.stringify(alg)} is not accepted (asymmetric only)`,
        };
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: config.issuer,
          audience: [...audience],
          algorithms: [...allowed],
          clockTolerance: config.clockSkew / 1000,
          requiredClaims: ['exp'],
        });
        return { ok: true, claims: payload };
      } catch (err) {
        return describeFailure(err);
      }
    },
  };
}

class UnavailableError extends Error {}

function describeFailure(err: unknown): JwtOutcome {
  if (err instanceof errors.JWTExpired) return { ok: false, reason: 'token expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return { ok: false, reason: 'token is not yet valid' };
    if (err.claim === 'iat') return { ok: false, reason: 'token issued in the future' };
    if (err.claim === 'aud') return { ok: false, reason: 'token audience is not this gateway' };
    if (err.claim === 'iss') return { ok: false, reason: 'token issuer is not the configured issuer' };
    return { ok: false, reason: `token claim ${err.claim} is invalid: ${err.reason}` };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return { ok: false, reason: 'token signature is invalid' };
  if (err instanceof errors.JWKSNoMatchingKey)
    return { ok: false, reason: 'no key of the issuer matches the token (kid/alg)' };
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return { ok: false, reason: 'token names no kid and the issuer has several keys' };
  if (err instanceof errors.JOSEAlgNotAllowed)
    return { ok: false, reason: 'token algorithm is not accepted' };
  if (err instanceof errors.JWKSTimeout)
    return { ok: false, reason: 'timed out fetching the issuer key set', unavailable: true };
  if (err instanceof errors.JWKSInvalid)
    return { ok: false, reason: 'the issuer key set is malformed', unavailable: true };
  if (
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JOSENotSupported
  ) {
    return { ok: false, reason: `token is malformed: ${err.message}` };
  }
  // Anything else is a failure to reach the IdP (network, discovery, HTTP status): not the token's fault.
  return {
    ok: false,
    reason: `cannot validate tokens right now: ${err instanceof Error ? err.message : String(err)}`,
    unavailable: true,
  };
}
