import type { Client } from '@modelcontextprotocol/client';
import {
  MCP_METHODS,
  SERVER_REQUESTS,
  type JsonObject,
  type Logger,
  type ProgressUpdate,
} from '@mcpgate/core';
import type { ConnectionEvents } from './events.js';
import { toWireError } from './errors.js';
import { soleCall, type InFlight } from './inflight.js';

export interface HandlerContext {
  readonly upstream: string;
  readonly sessionId: string | undefined;
  readonly logger: Logger;
  readonly hooks: ConnectionEvents;
  readonly inflight: InFlight;
  readonly progressListeners: ReadonlyMap<string, (update: ProgressUpdate) => void>;
}

const LIST_CHANGED: Readonly<Record<string, 'tools' | 'prompts' | 'resources'>> = Object.fromEntries(
  MCP_METHODS.filter((m) => m.listChanged).map((m) => [m.method, m.listChanged!]),
);

/**
 * What an upstream may send us besides responses: change notifications, progress, resource
 * updates, log messages, and (legacy era) requests for the client — routed to the downstream call
 * that caused them, or refused with the reason.
 */
export function registerHandlers(client: Client, ctx: HandlerContext): void {
  for (const [method, kind] of Object.entries(LIST_CHANGED)) {
    // Registered before connect: servers that send list_changed without advertising it still count.
    client.setNotificationHandler(method as 'notifications/tools/list_changed', () => {
      ctx.hooks.onListChanged(kind);
    });
  }
  client.setNotificationHandler('notifications/progress', (n) => {
    const { progressToken, progress, total, message } = n.params;
    const listener = ctx.progressListeners.get(String(progressToken));
    if (!listener) return;
    listener({
      progress,
      ...(total === undefined ? {} : { total }),
      ...(message === undefined ? {} : { message }),
    });
  });
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    ctx.hooks.onEvent({
      type: 'resource_updated',
      upstream: ctx.upstream,
      uri: n.params.uri,
      ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
    });
  });
  client.setNotificationHandler('notifications/message', (n) => {
    const correlationId = soleCall(ctx.inflight);
    ctx.hooks.onEvent({
      type: 'log',
      upstream: ctx.upstream,
      params: n.params,
      ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
      ...(correlationId ? { correlationId } : {}),
    });
  });

  for (const method of Object.keys(SERVER_REQUESTS)) {
    client.setRequestHandler(method as 'roots/list', async (request, requestCtx) => {
      try {
        const call = ctx.inflight.route(method);
        const params = (request as { params?: JsonObject }).params;
        return (await call.ask(method, params, requestCtx.mcpReq.signal)) as never;
      } catch (err) {
        throw toWireError(err, ctx.logger, method);
      }
    });
  }
}
