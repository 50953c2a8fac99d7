import type { GatewayConfig } from '@mcpgate/config';
import type { Logger, SqlClient } from '@mcpgate/core';
import { SecurityEvents, sourceIp, type SecurityEvent } from '@mcpgate/faces';
import type { AdminHandler } from '@mcpgate/admin-http';
import { APPROVALS_CHANNEL } from '@mcpgate/approvals';
import {
  AuditLagHistory,
  certificatePem,
  consolePublicUrl,
  createAuditAdminHandler,
  createConsole,
  createKeysAdminHandler,
  createOverviewAdminHandler,
  createPinsAdminHandler,
  createSessionsAdminHandler,
  type ConsoleHandle,
} from '@mcpgate/console';
import type { Runtime } from './compose.js';

/**
 * The admin APIs the console adds (sessions and replay, audit, API keys, tool pins, overview), for
 * bearer callers and the console alike.
 * Role groups come from `console.roles` even when the console itself is off: scripts use them too.
 */
export function consoleAdminHandlers(config: GatewayConfig, runtime: Runtime): AdminHandler[] {
  const api = {
    sql: runtime.store,
    roles: config.console.roles,
    recordRead: (
      reader: { subject: string; host?: string; pid?: number },
      action: string,
      filters: Readonly<Record<string, unknown>>,
    ) => runtime.recordAuditRead(reader, action, filters),
  };
  // Sampled from now on, in this process (unref'd: it never keeps a process alive).
  const lag = new AuditLagHistory(() => runtime.auditStats()).start();
  return [
    createSessionsAdminHandler(api),
    createAuditAdminHandler(api),
    // The same functions as `mcpgate keys …` and `mcpgate tools diff|approve`, for admins.
    createKeysAdminHandler({
      sql: runtime.store,
      roles: config.console.roles,
      pepper: config.auth.apiKeys.pepper,
      enabled: config.auth.apiKeys.enabled,
    }),
    createPinsAdminHandler({ pinning: runtime.policy.pinning, roles: config.console.roles }),
    createOverviewAdminHandler({
      ...api,
      upstreams: () => runtime.gateway.pool.status(),
      audit: () => runtime.auditStats(),
      lag,
    }),
  ];
}

/**
 * The web console for `mcpgate serve`, when `console.enabled`: signs people in at the issuer the
 * MCP face trusts (and/or a SAML IdP) and serves the same admin APIs to them. Refused sign-ins go
 * to the audit trail as `security.auth_failed`, aggregated per source like the face's own.
 * Undefined when disabled.
 */
export function startConsole(
  config: GatewayConfig,
  deps: {
    sql: SqlClient;
    logger: Logger;
    adminHandlers: readonly AdminHandler[];
    keepAliveMs: number;
    onSecurityEvent?: (e: SecurityEvent) => void | Promise<void>;
  },
): ConsoleHandle | undefined {
  const c = config.console;
  if (!c.enabled) return undefined;
  const oidc = config.auth.oidc;
  const publicUrl = consolePublicUrl(config);
  // The config checks refuse these combinations at load; this guards embedders.
  if ((!(oidc && c.oidc) && !c.saml) || publicUrl === undefined)
    throw new Error(
      'console.enabled needs auth.oidc with console.oidc, or console.saml, and console.publicUrl (or auth.resource)',
    );
  const saml = c.saml;
  const events = new SecurityEvents(deps.logger.child({ component: 'console' }), deps.onSecurityEvent);
  const handle = createConsole({
    sql: deps.sql,
    logger: deps.logger,
    publicUrl,
    ...(oidc &&
      c.oidc && {
        oidc: {
          issuer: oidc.issuer,
          clientId: c.oidc.clientId,
          ...(c.oidc.clientSecret !== undefined && { clientSecret: c.oidc.clientSecret }),
          scopes: c.oidc.scopes,
          claims: oidc.claims,
        },
      }),
    ...(saml && {
      saml: {
        entryPoint: saml.entryPoint,
        issuer: saml.issuer,
        idpCert: (typeof saml.idpCert === 'string' ? [saml.idpCert] : saml.idpCert).map(certificatePem),
        audience: saml.audience ?? saml.issuer,
        groupsAttribute: saml.groupsAttribute,
        clockSkewMs: saml.clockSkew,
        ...(saml.idpIssuer !== undefined && { idpIssuer: saml.idpIssuer }),
        ...(saml.subjectAttribute !== undefined && { subjectAttribute: saml.subjectAttribute }),
        ...(saml.nameAttribute !== undefined && { nameAttribute: saml.nameAttribute }),
        ...(saml.emailAttribute !== undefined && { emailAttribute: saml.emailAttribute }),
        ...(saml.label !== undefined && { label: saml.label }),
      },
    }),
    onSignInRefused: (req, refusal) =>
      events.signInRefused(
        req,
        sourceIp(req, config.server.trustProxy),
        new URL(req.url ?? '/', 'http://gateway.invalid').pathname,
        refusal,
      ),
    roles: c.roles,
    session: c.session,
    adminHandlers: deps.adminHandlers,
    approvalsChannel: APPROVALS_CHANNEL,
    keepAliveMs: deps.keepAliveMs,
  });
  return {
    ...handle,
    // The last window's aggregated counts are written before the store closes.
    close: async () => {
      await handle.close();
      events.close();
    },
  };
}
