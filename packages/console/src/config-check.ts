import type { GatewayConfig, SectionIssue } from '@mcpgate/config';

/** What the console section needs beyond its schema: an issuer to sign in against and a public origin. */
export function consoleConfigIssues(
  section: GatewayConfig['console'],
  config: GatewayConfig,
): SectionIssue[] {
  if (!section.enabled) return [];
  const issues: SectionIssue[] = [];
  if (!config.auth.oidc)
    issues.push({
      path: ['enabled'],
      message: 'the console signs people in through auth.oidc.issuer; configure auth.oidc',
    });
  if (!section.oidc)
    issues.push({
      path: ['enabled'],
      message: 'the console needs its own client at the IdP: set console.oidc.clientId',
    });
  else if (!section.oidc.scopes.includes('openid'))
    issues.push({ path: ['oidc', 'scopes'], message: 'must include "openid"' });
  if (section.publicUrl === undefined && config.auth.resource === undefined)
    issues.push({
      path: ['publicUrl'],
      message: 'set console.publicUrl (or auth.resource, whose origin is the default)',
    });
  return issues;
}

/** `console.publicUrl`, else the origin of `auth.resource`. */
export function consolePublicUrl(config: GatewayConfig): string | undefined {
  if (config.console.publicUrl !== undefined) return config.console.publicUrl;
  return config.auth.resource !== undefined ? new URL(config.auth.resource).origin : undefined;
}
