import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, Server as McpServer } from '@modelcontextprotocol/server';
import { createAuthenticator, withAuthDefaults, type Authenticator } from '@mcpgate/auth';
import type { TestIdp } from '../../auth/test/fixtures/provider.js';

/** One request the protected upstream received: the bearer token and whose it was. */
export interface SeenRequest {
  readonly token: string | undefined;
  /** The verified subject, or undefined when the token was missing or refused (then 401). */
  readonly subject: string | undefined;
  readonly audience: string | undefined;
  /** The JSON-RPC method of a POST (`initialize` opens a connection), when it had one. */
  readonly method?: string;
}

export interface ProtectedUpstream {
  readonly url: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A real MCP server (SDK, Streamable HTTP, stateless, both eras) behind bearer-token checks, as an
 * OAuth-protected hosted MCP server is: RFC 9728 metadata naming the IdP, 401 with
 * `WWW-Authenticate: Bearer resource_metadata=…` without a valid token, and access tokens verified
 * like any resource server does (signature from the IdP's JWKS, issuer, audience = its own URL).
 * Its `whoami` tool answers the subject of the token the request carried.
 */
export async function startProtectedUpstream(idp: TestIdp): Promise<ProtectedUpstream> {
  const caller = new AsyncLocalStorage<string>();
  const handler = createMcpHandler(() => {
    const s = new McpServer({ name: 'tickets', version: '1.0.0' }, { capabilities: { tools: {} } });
    s.setRequestHandler('tools/list', () => ({
      tools: [
        {
          name: 'whoami',
          description: 'the subject of the token this call carried',
          inputSchema: { type: 'object', properties: {} },
        },
      ],
    }));
    s.setRequestHandler('tools/call', () => ({
      content: [{ type: 'text', text: caller.getStore() ?? 'nobody' }],
    }));
    return s;
  });
  const seen: SeenRequest[] = [];
  // Built once the port (and so the resource URL) is known.
  const check: { verifier?: Authenticator } = {};
  let url = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const metadataUrl = `${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`;
      if (path.startsWith('/.well-known/oauth-protected-resource')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            resource: url,
            authorization_servers: [idp.issuer],
            scopes_supported: ['mcp:tools'],
          }),
        );
        return;
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      const verdict = await check.verifier!.authenticate(req.headers);
      const subject = verdict.ok ? verdict.identity.subject : undefined;
      const chunks: Buffer[] = [];
      for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
      const method = rpcMethod(Buffer.concat(chunks).toString('utf8'));
      seen.push({ token, subject, audience: verdict.ok ? url : undefined, ...(method && { method }) });
      if (!verdict.ok) {
        res.writeHead(401, {
          'www-authenticate': `Bearer resource_metadata="${metadataUrl}", scope="mcp:tools"`,
          'content-type': 'application/json',
        });
        res.end(JSON.stringify({ error: 'invalid_token' }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const response = await caller.run(subject!, () =>
        handler.fetch(
          new Request(`http://127.0.0.1${req.url}`, {
            method: req.method ?? 'GET',
            headers,
            ...(req.method === 'POST' ? { body: Buffer.concat(chunks).toString('utf8') } : {}),
          }),
        ),
      );
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => (out[k] = v));
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  idp.jwtResources.add(url);
  check.verifier = await createAuthenticator(
    withAuthDefaults({ mode: 'oauth', resource: url, oidc: { issuer: idp.issuer, jwksCooldown: 0 } }),
  );
  return {
    url,
    seen,
    close: async () => {
      await check.verifier?.close();
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function rpcMethod(body: string): string | undefined {
  try {
    const msg = JSON.parse(body) as { method?: unknown };
    return typeof msg.method === 'string' ? msg.method : undefined;
  } catch {
    return undefined;
  }
}
