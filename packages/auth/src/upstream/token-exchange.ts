import {
  GatewayError,
  type Identity,
  type UpstreamTokenExchangeSpec,
  type UpstreamUserAuth,
} from '@mcpgate/core';
import { callerToken } from '../caller-token.js';
import { OAuthError, parseTokenResponse, postForm } from '../client/oauth.js';
import { discoverAuthorizationServer } from '../discovery.js';
import { errorMessage, type FetchLike } from '../http.js';
import type { UserTokenEvent } from './user-tokens.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** An exchanged token is replaced when less than this (or half its lifetime) remains. */
const EARLY_MS = 60_000;
/** A token without `expires_in` is reused for this long at most. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;

/**
 * Token exchange (RFC 8693) for an upstream that trusts the same identity provider as the gateway:
 * the caller's own access token (issued for the gateway) is traded at the IdP's token endpoint for
 * one whose audience is the upstream and whose subject is still the caller. The gateway
 * authenticates the exchange as its own client. The exchanged token is cached per subject until it
 * is due; the caller's token is only ever sent to the IdP, never to the upstream.
 */
export function createTokenExchange(
  upstream: string,
  spec: UpstreamTokenExchangeSpec,
  options: { fetch?: FetchLike; now?: () => number; onEvent?: (event: UserTokenEvent) => void } = {},
): UpstreamUserAuth {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const tokens = new Map<string, { value: string; renewAt: number }>();
  /** The caller's most recent identity per subject: it holds (beside it) their current token. */
  const latest = new Map<string, Identity>();
  const inflight = new Map<string, Promise<string>>();
  const exchanged = new Set<string>();
  let endpoint = spec.tokenEndpoint;

  const emit = (event: UserTokenEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // the audit's trouble must not fail the call
    }
  };

  const exchange = async (subject: string): Promise<string> => {
    const identity = latest.get(subject);
    const subjectToken = identity ? callerToken(identity) : undefined;
    if (subjectToken === undefined) {
      throw new GatewayError(
        'unauthenticated',
        `upstream "${upstream}" needs your access token to exchange, and this call carried none (API keys and local identities cannot be exchanged)`,
        { data: { upstream } },
      );
    }
    try {
      endpoint ??= (await discoverAuthorizationServer(spec.issuer!, fetchImpl)).token_endpoint;
      if (typeof endpoint !== 'string') throw new Error(`${spec.issuer} names no token endpoint`);
      const body = await postForm(
        fetchImpl,
        endpoint,
        {
          grant_type: TOKEN_EXCHANGE_GRANT,
          subject_token: subjectToken,
          subject_token_type: ACCESS_TOKEN_TYPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
          resource: spec.resource,
          audience: spec.audience,
          scope: spec.scopes.length > 0 ? spec.scopes.join(' ') : undefined,
        },
        { clientId: spec.clientId, clientSecret: spec.clientSecret, authMethod: 'client_secret_basic' },
      );
      const set = parseTokenResponse(body, now());
      const lifetime = set.expiresAt !== undefined ? set.expiresAt - now() : UNKNOWN_LIFETIME_MS;
      tokens.set(subject, {
        value: set.accessToken,
        renewAt: now() + Math.max(0, lifetime - Math.min(EARLY_MS, lifetime / 2)),
      });
      emit({
        kind: exchanged.has(subject) ? 'refreshed' : 'connected',
        upstream,
        subject,
        clientId: spec.clientId,
        ...(spec.issuer !== undefined && { issuer: spec.issuer }),
        ...(set.expiresAt !== undefined && { expiresAt: new Date(set.expiresAt).toISOString() }),
        ...(set.scope !== undefined && { scope: set.scope }),
      });
      exchanged.add(subject);
      return set.accessToken;
    } catch (err) {
      const why = err instanceof OAuthError ? err.oauthError : errorMessage(err);
      emit({ kind: 'refresh_failed', upstream, subject, clientId: spec.clientId, error: why });
      throw new GatewayError(
        'upstream_unavailable',
        `cannot exchange your token for upstream "${upstream}" at ${endpoint ?? spec.issuer}: ${why}`,
        { cause: err, data: { upstream } },
      );
    }
  };

  const token = (subject: string, renew: boolean): Promise<string> => {
    const held = tokens.get(subject);
    if (!renew && held && now() < held.renewAt) return Promise.resolve(held.value);
    let running = inflight.get(subject);
    if (!running) {
      running = exchange(subject).finally(() => inflight.delete(subject));
      inflight.set(subject, running);
    }
    return running;
  };

  return {
    async ensure(identity) {
      latest.set(identity.subject, identity);
      await token(identity.subject, false);
    },
    async headers(subject, opts) {
      return { authorization: `Bearer ${await token(subject, opts?.renew === true)}` };
    },
    onEnded() {
      // An exchanged token ends with its lifetime; nothing is stored to revoke.
    },
  };
}
