import { createServiceTokenSource, type ServiceTokenEvent } from '@mcpgate/auth';
import type { UpstreamSpec } from '@mcpgate/core';

/**
 * Gives every upstream with `oauth` settings its token source: the pool's transports then ask it
 * for the `Authorization` header of each request to that upstream (and to no other). `onEvent`
 * receives each token obtained, renewed or refused, for the audit.
 */
export function withUpstreamOAuth(
  specs: readonly UpstreamSpec[],
  onEvent?: (event: ServiceTokenEvent) => void,
): UpstreamSpec[] {
  return specs.map((spec) => {
    if (!spec.oauth) return spec;
    const source = createServiceTokenSource(spec.name, spec.oauth, { ...(onEvent && { onEvent }) });
    return { ...spec, authorize: (options?: { renew?: boolean }) => source.headers(options) };
  });
}

/** The audit record of a service-token event: who (the gateway's client), where, and the outcome. */
export function oauthAuditRecord(event: ServiceTokenEvent): {
  type: 'oauth.connected' | 'oauth.refreshed' | 'oauth.refresh_failed';
  upstream: string;
  subject: string;
  outcome: string;
  body: Record<string, unknown>;
} {
  const { kind, upstream, clientId, ...body } = event;
  return {
    type: `oauth.${kind}`,
    upstream,
    subject: `client:${clientId}`,
    outcome: kind === 'refresh_failed' ? 'upstream_unavailable' : 'ok',
    body: { grant: 'client_credentials', clientId, ...body },
  };
}
