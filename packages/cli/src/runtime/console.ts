import type { GatewayConfig } from '@mcpgate/config';
import type { Logger, SqlClient } from '@mcpgate/core';
import type { AdminHandler } from '@mcpgate/admin-http';
import { APPROVALS_CHANNEL } from '@mcpgate/approvals';
import {
  consolePublicUrl,
  createAuditAdminHandler,
  createConsole,
  createSessionsAdminHandler,
  type ConsoleHandle,
} from '@mcpgate/console';
import type { Runtime } from './compose.js';

/**
 * The admin APIs the console adds (sessions and replay), for bearer callers and the console alike.
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
  return [createSessionsAdminHandler(api), createAuditAdminHandler(api)];
}

/**
 * The web console for `mcpgate serve`, when `console.enabled`: signs people in at the issuer the
 * MCP face trusts and serves the same admin APIs to them. Undefined when disabled.
 */
export function startConsole(
  config: GatewayConfig,
  deps: { sql: SqlClient; logger: Logger; adminHandlers: readonly AdminHandler[]; keepAliveMs: number },
): ConsoleHandle | undefined {
  const c = config.console;
  if (!c.enabled) return undefined;
  const oidc = config.auth.oidc;
  const publicUrl = consolePublicUrl(config);
  // The config checks refuse these combinations at load; this guards embedders.
  if (!oidc || !c.oidc || publicUrl === undefined)
    throw new Error('console.enabled needs auth.oidc, console.oidc and console.publicUrl (or auth.resource)');
  return createConsole({
    sql: deps.sql,
    logger: deps.logger,
    publicUrl,
    oidc: {
      issuer: oidc.issuer,
      clientId: c.oidc.clientId,
      ...(c.oidc.clientSecret !== undefined && { clientSecret: c.oidc.clientSecret }),
      scopes: c.oidc.scopes,
      claims: oidc.claims,
    },
    roles: c.roles,
    session: c.session,
    adminHandlers: deps.adminHandlers,
    approvalsChannel: APPROVALS_CHANNEL,
    keepAliveMs: deps.keepAliveMs,
  });
}
