import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { startStdioHttpBridge, type ScopeChallenge } from '../../src/http/stdio-bridge.js';

/**
 * `mcpgate connect` meets a gateway that answers 403 insufficient_scope (a real HTTP server that
 * wants the scope `tools:admin` unless the bearer is the stepped-up token).
 */
describe('stdio bridge and insufficient_scope', () => {
  let server: Server;
  let url: URL;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      req.resume();
      req.on('end', () => {
        if (req.headers.authorization !== 'Bearer admin-token') {
          res
            .writeHead(403, {
              'www-authenticate':
                'Bearer error="insufficient_scope", scope="tools:admin", resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource/mcp"',
            })
            .end();
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: [] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function ask(options: {
    onInsufficientScope?: (c: ScopeChallenge) => Promise<boolean>;
    token: () => string;
  }) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const bridge = await startStdioHttpBridge({
      url,
      logger: pino({ level: 'silent' }),
      maxMessageBytes: 1 << 20,
      token: () => Promise.resolve(options.token()),
      ...(options.onInsufficientScope && { onInsufficientScope: options.onInsufficientScope }),
      stdin,
      stdout,
    });
    const answer = new Promise<Record<string, unknown>>((resolve) =>
      stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString('utf8')) as Record<string, unknown>)),
    );
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })}\n`);
    const message = await answer;
    // The client goes away, as a host closing the bridge does.
    stdin.end();
    await bridge.closed;
    return message;
  }

  it('without step-up, tells the client which scope is missing and what to run', async () => {
    const message = await ask({ token: () => 'user-token' });
    const error = message.error as { message: string };
    expect(error.message).toContain('requires the scope "tools:admin"');
    expect(error.message).toContain(`mcpgate login ${url.href} --scope tools:admin`);
    expect(error.message).not.toContain('could not be reached');
  });

  it('with step-up, re-authorizes for the named scope and sends the request once more', async () => {
    let token = 'user-token';
    const challenges: ScopeChallenge[] = [];
    const message = await ask({
      token: () => token,
      onInsufficientScope: (c) => {
        challenges.push(c);
        token = 'admin-token';
        return Promise.resolve(true);
      },
    });
    expect(message.result).toEqual({ tools: [] });
    expect(challenges).toEqual([
      {
        scope: 'tools:admin',
        resourceMetadataUrl: 'http://127.0.0.1/.well-known/oauth-protected-resource/mcp',
      },
    ]);
    expect(seen.slice(-2)).toEqual(['Bearer user-token', 'Bearer admin-token']);
  });
});
