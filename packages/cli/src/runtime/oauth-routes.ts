import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserTokenBroker } from '@mcpgate/auth';
import type { GatewayConfig } from '@mcpgate/config';
import { consolePublicUrl, type ConsoleHandle } from '@mcpgate/console';
import type { Logger } from '@mcpgate/core';
import { SecurityEvents, sourceIp, type SecurityEvent } from '@mcpgate/faces';
import { oauthCallbackRoute } from './oauth-http.js';
import { oauthStartRoute } from './oauth-start.js';

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * `/oauth/start` and `/oauth/callback` for `mcpgate serve`, with their refusals (a link opened by
 * another person, a callback in a browser that did not open the link) recorded in the audit trail
 * as `security.auth_failed`, aggregated per source like the console's refused sign-ins.
 */
export function oauthFlowRoutes(
  config: GatewayConfig,
  broker: UserTokenBroker,
  deps: {
    console: ConsoleHandle | undefined;
    logger: Logger;
    onSecurityEvent: (e: SecurityEvent) => void | Promise<void>;
  },
): { routes: Route[]; close(): void } {
  const events = new SecurityEvents(deps.logger.child({ component: 'oauth' }), deps.onSecurityEvent);
  const base = config.auth.upstreamTokens?.publicUrl ?? consolePublicUrl(config) ?? '';
  const secure = base.startsWith('https:');
  const onRefused: Parameters<typeof oauthStartRoute>[0]['onRefused'] = (req, refusal) =>
    events.signInRefused(
      req,
      sourceIp(req, config.server.trustProxy),
      new URL(req.url ?? '/', 'http://gateway.invalid').pathname,
      refusal,
    );
  return {
    routes: [
      oauthStartRoute({ broker, console: deps.console, secure, onRefused }),
      oauthCallbackRoute(broker, {
        secure,
        onRefused,
        ...(deps.console && { consolePage: '/console/connections' }),
      }),
    ],
    close: () => events.close(),
  };
}
