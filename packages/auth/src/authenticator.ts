import { rememberCallerToken } from './caller-token.js';
import { GatewayError, silentLogger, type Identity, type Logger, type SqlClient } from '@mcpgate/core';
import { bearerChallenge, type BearerError } from './challenge.js';
import { identityFromClaims } from './claims.js';
import type { AuthConfig } from './config.js';
import { extractCredential, type HeaderSource } from './credentials.js';
import { cachedDiscovery } from './discovery.js';
import type { FetchLike } from './http.js';
import { createIntrospector, type Introspector } from './introspection.js';
import { createJwtVerifier, looksLikeJwt, type JwtVerifier } from './jwt.js';
import { localIdentity } from './local.js';
import { protectedResourceMetadataUrl } from './metadata.js';
import { isApiKeyFormat } from './api-keys/format.js';
import { createApiKeyVerifier, type ApiKeyVerifier } from './api-keys/verifier.js';

export type AuthErrorCode = BearerError | 'temporarily_unavailable';

export interface AuthFailure {
  readonly ok: false;
  /** 400 malformed request, 401 missing/invalid credential, 403 missing scope, 503 IdP unreachable. */
  readonly status: 400 | 401 | 403 | 503;
  readonly error: AuthErrorCode;
  /** Why, for the caller and the log. Never contains the credential. */
  readonly description: string;
  /** Value for the `WWW-Authenticate` header (absent on 503, which is not a challenge). */
  readonly wwwAuthenticate?: string;
  /** Scopes the request lacked (insufficient_scope). */
  readonly scope?: readonly string[];
}

export type AuthResult = { readonly ok: true; readonly identity: Identity } | AuthFailure;

export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /** Checks the request's credential. Call on every request: nothing is trusted from earlier ones. */
  authenticate(headers: HeaderSource): Promise<AuthResult>;
  /** The challenge for a request that must (re)authenticate, e.g. a 401 sent outside `authenticate`. */
  challenge(error?: BearerError, description?: string): string;
  close(): Promise<void>;
}

export interface AuthenticatorDeps {
  /** Required when `apiKeys.enabled`: the store holding the key hashes. */
  readonly sql?: SqlClient;
  readonly fetch?: FetchLike;
  readonly logger?: Logger;
  /** OS user for the local identity (defaults to the process owner). */
  readonly localUser?: string;
}

/**
 * Builds the request authenticator from the `auth` config. OIDC JWTs are verified locally against
 * the issuer's keys; opaque tokens go to introspection when configured; `mcpg_` tokens are API
 * keys. Everything fails closed: an IdP that cannot be reached yields 503, never a pass.
 */
export async function createAuthenticator(
  config: AuthConfig,
  deps: AuthenticatorDeps = {},
): Promise<Authenticator> {
  const logger = deps.logger ?? silentLogger;
  if (config.mode === 'local') {
    const identity = localIdentity(deps.localUser);
    return {
      mode: 'local',
      authenticate: () => Promise.resolve({ ok: true, identity }),
      challenge: () => 'Bearer',
      close: () => Promise.resolve(),
    };
  }

  if (!config.oidc && !config.apiKeys.enabled) {
    throw new GatewayError(
      'internal',
      'auth.mode "oauth" needs auth.oidc or auth.apiKeys.enabled: otherwise nobody could ever authenticate',
    );
  }
  if (config.oidc && config.resource === undefined && config.oidc.audience === undefined) {
    throw new GatewayError(
      'internal',
      "auth.resource (this gateway's URL) must be set: it is the audience every access token must carry",
    );
  }
  const fetchImpl = deps.fetch ?? fetch;
  const audience = config.oidc?.audience ?? (config.resource !== undefined ? [config.resource] : []);
  const metadata = config.oidc ? cachedDiscovery(config.oidc.issuer, fetchImpl) : undefined;
  const jwt: JwtVerifier | undefined =
    config.oidc && metadata ? createJwtVerifier(config.oidc, audience, metadata, fetchImpl) : undefined;
  const introspector: Introspector | undefined =
    config.oidc?.introspection && metadata
      ? createIntrospector(config.oidc, audience, metadata, fetchImpl)
      : undefined;
  let apiKeys: ApiKeyVerifier | undefined;
  if (config.apiKeys.enabled) {
    if (!deps.sql)
      throw new GatewayError('internal', 'auth.apiKeys.enabled needs the database (store) to look keys up');
    apiKeys = await createApiKeyVerifier({
      sql: deps.sql,
      pepper: config.apiKeys.pepper,
      cacheMaxAge: config.apiKeys.cacheMaxAge,
      logger,
    });
  }

  const resourceMetadata =
    config.resource !== undefined ? protectedResourceMetadataUrl(config.resource) : undefined;
  const requiredScopes = config.oidc?.requiredScopes ?? [];
  const challenge = (error?: BearerError, description?: string, scope?: readonly string[]) =>
    bearerChallenge({
      ...(resourceMetadata !== undefined && { resourceMetadata }),
      ...(error !== undefined && { error }),
      ...(description !== undefined && { description }),
      ...(scope !== undefined ? { scope } : requiredScopes.length > 0 && { scope: requiredScopes }),
    });
  const fail = (status: 400 | 401, error: BearerError, description: string): AuthFailure => ({
    ok: false,
    status,
    error,
    description,
    wwwAuthenticate: challenge(error, description),
  });
  const unavailable = (description: string): AuthFailure => {
    logger.warn({ reason: description }, 'cannot validate credentials');
    return { ok: false, status: 503, error: 'temporarily_unavailable', description };
  };

  const checkClaims = (claims: Record<string, unknown>, method: 'oidc' | 'introspection'): AuthResult => {
    const oidc = config.oidc;
    if (!oidc) return fail(401, 'invalid_token', 'tokens are not accepted here');
    const identity = identityFromClaims(claims, oidc.claims, method, oidc.issuer);
    if (!identity) return fail(401, 'invalid_token', `token has no ${oidc.claims.subject} claim`);
    const granted = new Set(identity.scopes ?? []);
    const missing = requiredScopes.filter((s) => !granted.has(s));
    if (missing.length > 0) {
      const description = `token lacks required scope ${missing.join(' ')}`;
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description,
        scope: requiredScopes,
        wwwAuthenticate: challenge('insufficient_scope', description, requiredScopes),
      };
    }
    return { ok: true, identity };
  };

  return {
    mode: 'oauth',
    async authenticate(headers) {
      const cred = extractCredential(headers);
      switch (cred.kind) {
        case 'none':
          return {
            ok: false,
            status: 401,
            error: 'invalid_token',
            description: 'authentication required',
            wwwAuthenticate: challenge(),
          };
        case 'invalid':
          return fail(400, 'invalid_request', cred.reason);
        case 'api-key':
        case 'bearer': {
          const value = cred.kind === 'api-key' ? cred.key : cred.token;
          if (cred.kind === 'api-key' || isApiKeyFormat(value)) {
            if (!apiKeys) return fail(401, 'invalid_token', 'API keys are not accepted here');
            let out;
            try {
              out = await apiKeys.verify(value);
            } catch (err) {
              return unavailable(
                `cannot check API keys: ${err instanceof Error ? err.message : String(err)}`,
              );
            }
            return out.ok ? out : fail(401, 'invalid_token', out.reason);
          }
          if (looksLikeJwt(value)) {
            if (!jwt)
              return fail(401, 'invalid_token', 'bearer tokens are not accepted here (API keys only)');
            const out = await jwt.verify(value);
            if (!out.ok)
              return out.unavailable ? unavailable(out.reason) : fail(401, 'invalid_token', out.reason);
            return withToken(checkClaims(out.claims, 'oidc'), value);
          }
          if (!introspector)
            return fail(401, 'invalid_token', 'token is not a JWT and introspection is not configured');
          const out = await introspector.introspect(value);
          if (!out.ok)
            return out.unavailable ? unavailable(out.reason) : fail(401, 'invalid_token', out.reason);
          return withToken(checkClaims(out.claims, 'introspection'), value);
        }
      }
    },
    challenge: (error, description) => challenge(error, description),
    async close() {
      await apiKeys?.close();
    },
  };
}

/** Keeps the token beside an accepted identity, for token exchange only (see caller-token.ts). */
function withToken(result: AuthResult, token: string): AuthResult {
  if (result.ok) rememberCallerToken(result.identity, token);
  return result;
}
