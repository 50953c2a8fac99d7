import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '@mcpgate/core';

export interface LoopbackRedirect {
  readonly redirectUri: string;
  /** Resolves with the callback's query parameters once the browser arrives (or rejects on timeout/abort). */
  readonly result: Promise<URLSearchParams>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

/**
 * A one-shot HTTP listener on 127.0.0.1 for the authorization response (RFC 8252 §7.3: loopback
 * IP literal, any port). Bound to the loopback address only, so nothing off this machine can
 * deliver a code to it.
 */
export async function startLoopbackRedirect(options: {
  port?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<LoopbackRedirect> {
  let resolve!: (p: URLSearchParams) => void;
  let reject!: (e: Error) => void;
  const result = new Promise<URLSearchParams>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejections are delivered through `result`; avoid an unhandled rejection if nobody awaits yet.
  result.catch(() => undefined);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const failed = url.searchParams.has('error');
    res.writeHead(failed ? 400 : 200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(
      failed
        ? PAGE('Login failed', 'The identity provider refused the login. Return to the terminal for details.')
        : PAGE('Logged in', 'mcpgate received the login. You can close this window.'),
    );
    resolve(url.searchParams);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const timer = setTimeout(
    () => reject(new GatewayError('upstream_timeout', 'login timed out waiting for the browser')),
    options.timeoutMs,
  );
  const onAbort = () => reject(new GatewayError('cancelled', 'login cancelled'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    result,
    close: () =>
      new Promise<void>((done) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
