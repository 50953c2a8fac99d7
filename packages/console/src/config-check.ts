import { X509Certificate } from 'node:crypto';
import type { GatewayConfig, SectionIssue } from '@mcpgate/config';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** More tolerance than this turns an expired assertion into a valid one for too long. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What the console section needs beyond its schema: a way to sign in (OIDC against `auth.oidc`'s
 * issuer, or SAML) and a public origin.
 */
export function consoleConfigIssues(
  section: GatewayConfig['console'],
  config: GatewayConfig,
): SectionIssue[] {
  if (!section.enabled) return [];
  const issues: SectionIssue[] = [];
  if (section.oidc || !section.saml) {
    if (!config.auth.oidc)
      issues.push({
        path: ['enabled'],
        message:
          'the console signs people in through auth.oidc.issuer; configure auth.oidc (or console.saml)',
      });
    if (!section.oidc)
      issues.push({
        path: ['enabled'],
        message: 'the console needs its own client at the IdP: set console.oidc.clientId (or console.saml)',
      });
    else if (!section.oidc.scopes.includes('openid'))
      issues.push({ path: ['oidc', 'scopes'], message: 'must include "openid"' });
  }
  if (section.saml) issues.push(...samlIssues(section.saml));
  if (section.publicUrl === undefined && config.auth.resource === undefined)
    issues.push({
      path: ['publicUrl'],
      message: 'set console.publicUrl (or auth.resource, whose origin is the default)',
    });
  return issues;
}

function samlIssues(saml: NonNullable<GatewayConfig['console']['saml']>): SectionIssue[] {
  const issues: SectionIssue[] = [];
  let entry: URL | undefined;
  try {
    entry = new URL(saml.entryPoint);
  } catch {
    issues.push({ path: ['saml', 'entryPoint'], message: `not a URL: ${saml.entryPoint}` });
  }
  if (entry && entry.protocol !== 'https:' && !(entry.protocol === 'http:' && LOOPBACK.has(entry.hostname)))
    issues.push({
      path: ['saml', 'entryPoint'],
      message: `must be https:// (plain http only for an IdP on this machine): ${saml.entryPoint}`,
    });
  const certs = typeof saml.idpCert === 'string' ? [saml.idpCert] : saml.idpCert;
  certs.forEach((pem, i) => {
    const why = certificateProblem(pem);
    if (why)
      issues.push({
        path: typeof saml.idpCert === 'string' ? ['saml', 'idpCert'] : ['saml', 'idpCert', i],
        message: `not an X.509 certificate (PEM or its base64 body): ${why}`,
      });
  });
  if (saml.clockSkew > MAX_CLOCK_SKEW_MS)
    issues.push({ path: ['saml', 'clockSkew'], message: 'at most 5m: more lets expired assertions in' });
  return issues;
}

/** The IdP certificate as PEM, whether the config holds a PEM file or only its base64 body. */
export function certificatePem(value: string): string {
  const v = value.trim();
  if (v.startsWith('-----BEGIN')) return v;
  const body = v.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

function certificateProblem(value: string): string | undefined {
  try {
    // Only the key matters for verifying signatures; like most SAML SPs, the certificate's
    // validity dates are not enforced (IdPs often keep signing with an expired self-signed one).
    new X509Certificate(certificatePem(value));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** `console.publicUrl`, else the origin of `auth.resource`. */
export function consolePublicUrl(config: GatewayConfig): string | undefined {
  if (config.console.publicUrl !== undefined) return config.console.publicUrl;
  return config.auth.resource !== undefined ? new URL(config.auth.resource).origin : undefined;
}
