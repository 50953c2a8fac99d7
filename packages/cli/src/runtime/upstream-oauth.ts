import { readFileSync } from 'node:fs';
import {
  createServiceTokenSource,
  createTokenExchange,
  TokenSealer,
  UserTokenBroker,
  type ServiceTokenEvent,
  type UserTokenEvent,
} from '@mcpgate/auth';
import type { GatewayConfig } from '@mcpgate/config';
import type { Logger, SqlQueryable, UpstreamSpec } from '@mcpgate/core';

/** The path the gateway's OAuth redirect endpoint is served at (`<publicUrl>/oauth/callback`). */
export const OAUTH_CALLBACK_PATH = '/oauth/callback';

/**
 * Gives every upstream with `oauth` settings its credentials: a token source for a service identity
 * (the pool's transports ask it for the `Authorization` header of each request to that upstream and
 * to no other), or the per-user broker for `authorization_code`. `onEvent` receives each token
 * obtained, renewed or refused, for the audit.
 */
export function withUpstreamOAuth(
  specs: readonly UpstreamSpec[],
  onEvent?: (event: ServiceTokenEvent) => void,
  broker?: UserTokenBroker,
  userEvent?: (event: UserTokenEvent) => void,
  /** Receives the stop of each service token's background renewal, to call at shutdown. */
  onStop?: (stop: () => void) => void,
): UpstreamSpec[] {
  return specs.map((spec) => {
    if (!spec.oauth) return spec;
    if (spec.oauth.grant === 'token_exchange') {
      return {
        ...spec,
        userAuth: createTokenExchange(spec.name, spec.oauth, { ...(userEvent && { onEvent: userEvent }) }),
      };
    }
    if (spec.oauth.grant === 'authorization_code') {
      if (!broker || spec.url === undefined)
        throw new Error(`upstream "${spec.name}" needs the per-user broker`);
      return { ...spec, userAuth: broker.forUpstream(spec.name, spec.url, spec.oauth) };
    }
    const source = createServiceTokenSource(spec.name, spec.oauth, { ...(onEvent && { onEvent }) });
    onStop?.(() => source.close());
    return { ...spec, authorize: (options?: { renew?: boolean }) => source.headers(options) };
  });
}

/**
 * The per-user broker, when some upstream has `grant: authorization_code`: its key-encryption key
 * is read from `auth.upstreamTokens.keyFile` (outside the database), its redirect URI is
 * `<publicUrl or the origin of auth.resource>/oauth/callback`.
 */
export function createUserTokenBroker(
  config: GatewayConfig,
  deps: { sql: SqlQueryable; logger: Logger; onEvent: (event: UserTokenEvent) => void },
): UserTokenBroker | undefined {
  if (!config.upstreams.some((u) => u.oauth?.grant === 'authorization_code')) return undefined;
  const settings = config.auth.upstreamTokens;
  if (!settings) throw new Error('auth.upstreamTokens.keyFile is required for grant "authorization_code"');
  let material: Buffer;
  try {
    material = readFileSync(settings.keyFile);
  } catch (err) {
    throw new Error(
      `cannot read auth.upstreamTokens.keyFile ${settings.keyFile}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const sealer = TokenSealer.fromKeyMaterial(material, `auth.upstreamTokens.keyFile ${settings.keyFile}`);
  const base =
    settings.publicUrl ?? (config.auth.resource ? new URL(config.auth.resource).origin : undefined);
  if (base === undefined) throw new Error('set auth.upstreamTokens.publicUrl or auth.resource');
  return new UserTokenBroker({
    sql: deps.sql,
    sealer,
    callbackUrl: `${base.replace(/\/+$/, '')}${OAUTH_CALLBACK_PATH}`,
    // The link users get is the gateway's own (/oauth/start checks who opens it), not the server's.
    startUrl: `${base.replace(/\/+$/, '')}/oauth/start`,
    binding: settings.binding ?? 'console',
    logger: deps.logger,
    onEvent: deps.onEvent,
  });
}

type OAuthAuditRecord = {
  type: 'oauth.connected' | 'oauth.refreshed' | 'oauth.refresh_failed' | 'oauth.revoked';
  upstream: string;
  subject: string;
  outcome: string;
  body: Record<string, unknown>;
};

/** The audit record of a service-token event: who (the gateway's client), where, and the outcome. */
export function oauthAuditRecord(event: ServiceTokenEvent): OAuthAuditRecord {
  const { kind, upstream, clientId, ...body } = event;
  return {
    type: `oauth.${kind}`,
    upstream,
    subject: `client:${clientId}`,
    outcome: kind === 'refresh_failed' ? 'upstream_unavailable' : 'ok',
    body: { grant: 'client_credentials', clientId, ...body },
  };
}

/** The audit record of a user's connection event: whose, to which upstream, and what happened. */
export function userOAuthAuditRecord(
  event: UserTokenEvent,
  grant: 'authorization_code' | 'token_exchange' = 'authorization_code',
): OAuthAuditRecord {
  const { kind, upstream, subject, ...body } = event;
  return {
    type: `oauth.${kind}`,
    upstream,
    subject,
    outcome: kind === 'refresh_failed' ? 'authorization_required' : 'ok',
    body: { grant, ...body },
  };
}
