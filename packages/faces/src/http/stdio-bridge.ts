import type { Readable, Writable } from 'node:stream';
import { InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Logger } from '@mcpgate/core';
import { StdioFaceTransport } from '../stdio-transport.js';

export interface StdioHttpBridgeOptions {
  /** The central gateway's MCP endpoint (`https://mcp.example.com/mcp`). */
  readonly url: URL;
  readonly logger: Logger;
  readonly maxMessageBytes: number;
  /** The bearer to send (an access token or an API key); called before every HTTP request. */
  readonly token: () => Promise<string | undefined>;
  /** Called once after a 401 before the request is retried once (refresh the token). */
  readonly onUnauthorized?: () => Promise<void>;
  /**
   * Called when the gateway answers 403 `insufficient_scope` (step-up authorization): resolves true
   * once a token with the named scope is available, and the message is then sent once more.
   */
  readonly onInsufficientScope?: (challenge: ScopeChallenge) => Promise<boolean>;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
}

export interface ScopeChallenge {
  /** The scope the gateway named in its `WWW-Authenticate` challenge. */
  readonly scope?: string;
  readonly resourceMetadataUrl?: string;
  readonly description?: string;
}

export interface StdioHttpBridgeHandle {
  /** Resolves when either side ended (stdin closed, or the gateway ended the session). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

type Msg = Record<string, unknown> & {
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
};

const MODERN_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

/**
 * `mcpgate connect`: a transport-to-transport pump between a local stdio client and a remote
 * Streamable HTTP endpoint. It does not speak MCP itself — every message (requests, responses to
 * the gateway's elicitation/sampling requests, progress, cancellation) is relayed verbatim — except
 * for three transport duties: it tells the HTTP transport the negotiated protocol version (for the
 * `MCP-Protocol-Version` header), turns a modern client's `notifications/cancelled` into closing
 * that request's HTTP stream (the 2026-07-28 way to cancel), and answers a request with a JSON-RPC
 * error when the gateway cannot be reached, so the client is never left waiting.
 */
export async function startStdioHttpBridge(opts: StdioHttpBridgeOptions): Promise<StdioHttpBridgeHandle> {
  const log = opts.logger.child({ component: 'connect' });
  const remote = new StreamableHTTPClientTransport(opts.url, {
    authProvider: {
      token: opts.token,
      ...(opts.onUnauthorized && { onUnauthorized: () => opts.onUnauthorized!() }),
    },
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | undefined;
  const close = (why: string): Promise<void> =>
    (closing ??= (async () => {
      log.info({ reason: why }, 'bridge closing');
      // A legacy session is ended explicitly so the gateway frees its upstreams now, not at idle sweep.
      if (remote.sessionId) await remote.terminateSession().catch(() => undefined);
      await remote.close().catch(() => undefined);
      await local.close().catch(() => undefined);
      resolveClosed();
    })());

  const local = new StdioFaceTransport({
    stdin: opts.stdin ?? process.stdin,
    stdout: opts.stdout ?? process.stdout,
    maxMessageBytes: opts.maxMessageBytes,
    onRejectedFrame: (reason, code) => log.warn({ code, reason }, 'client sent a malformed frame'),
    onClosed: () => void close('stdin closed'),
  });

  const initializeIds = new Set<string | number>();
  const modernInFlight = new Map<string | number, AbortController>();

  local.onmessage = (message) => {
    const m = message as unknown as Msg;
    if (m.method === 'initialize' && m.id !== undefined) initializeIds.add(m.id);
    if (m.method === 'notifications/cancelled') {
      const target = modernInFlight.get((m.params?.requestId ?? '') as string | number);
      if (target) {
        target.abort();
        return;
      }
    }
    let signal: AbortSignal | undefined;
    if (m.id !== undefined && m.method !== undefined) {
      const meta = m.params?._meta as Record<string, unknown> | undefined;
      if (meta?.[MODERN_VERSION_KEY] !== undefined) {
        const ac = new AbortController();
        modernInFlight.set(m.id, ac);
        signal = ac.signal;
      }
    }
    const send = (stepUp: boolean): Promise<void> =>
      remote
        .send(message, {
          ...(signal && { requestSignal: signal }),
          ...(m.id !== undefined && { onRequestStreamEnd: () => modernInFlight.delete(m.id!) }),
        })
        .catch(async (err: unknown) => {
          const scope = err instanceof InsufficientScopeError ? err : undefined;
          if (scope && stepUp && opts.onInsufficientScope) {
            const challenge: ScopeChallenge = {
              ...(scope.requiredScope !== undefined && { scope: scope.requiredScope }),
              ...(scope.resourceMetadataUrl && { resourceMetadataUrl: scope.resourceMetadataUrl.href }),
              ...(scope.errorDescription !== undefined && { description: scope.errorDescription }),
            };
            log.info(
              { method: m.method, scope: challenge.scope },
              'gateway asks for more scope: re-authorizing',
            );
            const ok = await opts.onInsufficientScope(challenge).catch((e: unknown) => {
              log.warn(
                { reason: e instanceof Error ? e.message : String(e) },
                'step-up authorization failed',
              );
              return false;
            });
            if (ok) return send(false);
          }
          throw err;
        });
    send(true).catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      log.warn({ method: m.method, reason }, 'relay to the gateway failed');
      if (m.id !== undefined && m.method !== undefined && !signal?.aborted) {
        void local.send({
          jsonrpc: '2.0',
          id: m.id,
          error: { code: -32000, message: relayFailure(err, opts.url) },
        });
      }
    });
  };

  remote.onmessage = (message) => {
    const m = message as unknown as Msg;
    if (m.id !== undefined && m.method === undefined) {
      modernInFlight.delete(m.id);
      if (initializeIds.delete(m.id)) {
        const version = (m.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
        if (typeof version === 'string') remote.setProtocolVersion(version);
      }
    }
    void local.send(message);
  };
  remote.onerror = (err) => log.warn({ err: err.message }, 'gateway transport error');
  remote.onclose = () => void close('gateway closed the connection');

  await remote.start();
  await local.start();
  return { closed, close: () => close('closed') };
}

/** What the client is told when a message could not be relayed: the cause, and what to do about it. */
function relayFailure(err: unknown, url: URL): string {
  if (err instanceof InsufficientScopeError) {
    const scope = err.requiredScope ? ` "${err.requiredScope}"` : '';
    return (
      `mcpgate connect: the gateway requires the scope${scope} for this request, which your login lacks` +
      (err.requiredScope ? `: run "mcpgate login ${url.href} --scope ${err.requiredScope}"` : '')
    );
  }
  const reason = err instanceof Error ? err.message : String(err);
  return `mcpgate connect: the gateway could not be reached: ${reason}`;
}
