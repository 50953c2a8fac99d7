import { GatewayError } from '@mcpgate/core';
import type { AuthConfig } from './config.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 §3.1: the metadata URL for a resource inserts the well-known segment between the host
 * and the resource's path (`https://gw/mcp` → `https://gw/.well-known/oauth-protected-resource/mcp`).
 * A resource at the root maps to the plain well-known URL.
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  return `${u.origin}${WELL_KNOWN}${path}${u.search}`;
}

/** Paths the HTTP face serves the document at: the plain well-known path and the path variant. */
export function protectedResourceMetadataPaths(resource: string): string[] {
  const variant = new URL(protectedResourceMetadataUrl(resource)).pathname;
  return variant === WELL_KNOWN ? [WELL_KNOWN] : [WELL_KNOWN, variant];
}

export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers?: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
}

/** The JSON document for `/.well-known/oauth-protected-resource` (RFC 9728 §2). */
export function protectedResourceMetadata(config: AuthConfig): ProtectedResourceMetadata {
  if (config.resource === undefined) {
    throw new GatewayError('internal', 'auth.resource must be set to publish protected-resource metadata');
  }
  const scopes = config.oidc?.requiredScopes ?? [];
  return {
    resource: config.resource,
    ...(config.oidc && { authorization_servers: [config.oidc.issuer] }),
    bearer_methods_supported: ['header'],
    ...(scopes.length > 0 && { scopes_supported: [...scopes] }),
    ...(config.resourceName !== undefined && { resource_name: config.resourceName }),
    ...(config.resourceDocumentation !== undefined && {
      resource_documentation: config.resourceDocumentation,
    }),
  };
}
