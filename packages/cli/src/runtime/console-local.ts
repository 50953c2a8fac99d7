import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '@mcpgate/config';
import { type Identity, type Logger } from '@mcpgate/core';
import { sendProblem, type AdminHandler } from '@mcpgate/admin-http';
import { APPROVALS_CHANNEL } from '@mcpgate/approvals';
import { createGrantsAdminHandler } from '@mcpgate/policy';
import { createConsole } from '@mcpgate/console';
import type { Runtime } from './compose.js';
import { consoleAdminHandlers } from './console.js';

export interface LocalConsole {
  /** The one-time sign-in link (printed once to stderr). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The console of a laptop gateway (`mcpgate stdio` with `console.listen`): a loopback-only HTTP
 * listener serving the console and the admin APIs it calls, signed in with a one-time link that
 * makes the browser act as the OS user who started the gateway (Jupyter-style).
 */
export async function startLocalConsole(
  config: GatewayConfig,
  runtime: Runtime,
  logger: Logger,
  identity: Identity,
): Promise<LocalConsole | undefined> {
  const listen = config.console.listen;
  if (listen === undefined) return undefined;
  const cut = listen.lastIndexOf(':');
  const host = listen.slice(0, cut).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(cut + 1));
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> = () => Promise.resolve(false);
  let allowedHosts = new Set<string>();
  const server = createServer((req, res) => {
    // DNS rebinding: a page under another name that resolves to 127.0.0.1 sends its own Host.
    if (!allowedHosts.has(req.headers.host ?? ''))
      return sendProblem(res, 403, 'forbidden', 'Host header is not allowed');
    handle(req, res)
      .then((handled) => {
        if (!handled) sendProblem(res, 404, 'not_found', 'only the console is served here');
      })
      .catch((err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'console request failed');
        if (!res.headersSent) sendProblem(res, 500, 'internal', 'internal error');
        else res.end();
      });
  });
  server.requestTimeout = 0; // the live approvals stream stays open
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shown}:${bound}`;
  allowedHosts = new Set([`${shown}:${bound}`, `localhost:${bound}`, `127.0.0.1:${bound}`, `[::1]:${bound}`]);
  const adminHandlers: AdminHandler[] = [
    runtime.approvals.adminHandler,
    createGrantsAdminHandler(runtime.policy.grants),
    ...consoleAdminHandlers(config, runtime),
  ];
  const web = createConsole({
    sql: runtime.store,
    logger,
    publicUrl: origin,
    tokenLogin: { identity },
    roles: config.console.roles,
    session: config.console.session,
    adminHandlers,
    approvalsChannel: APPROVALS_CHANNEL,
    keepAliveMs: config.server.keepAlive,
  });
  handle = (req, res) => web.handle(req, res);
  return {
    url: web.oneTimeUrl!,
    close: async () => {
      await web.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
