import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Server } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedEventStore } from '../../src/http/event-store.js';
import { COALESCE_MS } from '../../src/http/sse-writer.js';
import { StreamableHttpServerTransport } from '../../src/http/streamable-transport.js';

// A real SDK server behind the gateway's Node-native transport, on a real HTTP listener: one
// session, as the /mcp endpoint creates it for a legacy client.
let http: HttpServer;
let url: string;
let transport: StreamableHttpServerTransport | undefined;
let deleted = 0;

function newSession(): StreamableHttpServerTransport {
  const t = new StreamableHttpServerTransport({
    sessionId: `sess-${Math.random().toString(36).slice(2)}`,
    keepAliveMs: 0,
    events: new BoundedEventStore(100),
    onDelete: () => void deleted++,
  });
  const server = new Server({ name: 't', version: '1' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', () => ({
    tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
  }));
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const args = request.params.arguments ?? {};
    if (typeof args.delayMs === 'number') {
      const token = ctx.mcpReq._meta?.progressToken;
      if (token !== undefined) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 1, total: 2 },
        });
      }
      await new Promise((r) => setTimeout(r, args.delayMs as number));
    }
    return { content: [{ type: 'text', text: typeof args.message === 'string' ? args.message : '' }] };
  });
  void server.connect(t);
  return t;
}

beforeAll(async () => {
  http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!req.headers['mcp-session-id']) transport = newSession();
      void transport!.handle(
        req,
        res,
        text ? JSON.parse(text) : undefined,
        { token: '', clientId: 'c', scopes: [] },
        {},
      );
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await transport?.close();
  await new Promise<void>((r) => http.close(() => r()));
});

const rpc = (id: number, method: string, params: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });

async function post(body: string, sid?: string, extra: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(sid && { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }),
      ...extra,
    },
    body,
  });
}

async function initialize(): Promise<string> {
  const res = await post(
    rpc(1, 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'raw', version: '1' },
    }),
  );
  expect(res.status).toBe(200);
  await res.text();
  const sid = res.headers.get('mcp-session-id')!;
  expect(sid).toMatch(/^sess-/);
  const ack = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), sid);
  expect(ack.status).toBe(202);
  return sid;
}

describe('StreamableHttpServerTransport (legacy sessions, Node-native)', () => {
  it('serves the SDK client end to end', async () => {
    const client = new Client({ name: 'sdk', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
    const progress: number[] = [];
    const slow = await client.callTool(
      { name: 'echo', arguments: { message: 'slow', delayMs: 50 } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(slow.content).toEqual([{ type: 'text', text: 'slow' }]);
    expect(progress).toEqual([1]);
    await client.close();
  });

  it('writes a quick answer whole (priming event and result, with a length) rather than chunked', async () => {
    const sid = await initialize();
    const res = await post(rpc(2, 'tools/call', { name: 'echo', arguments: { message: 'one' } }), sid);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const body = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    // The priming event (empty data, an id) comes first, then the response with its own id.
    expect(body).toMatch(/^id: (\S+)\ndata: \n\nevent: message\nid: (\S+)\ndata: \{.*"id":2.*\}\n\n$/);
  });

  it(`streams a call that outlasts ${COALESCE_MS} ms: progress first, chunked, then the result`, async () => {
    const sid = await initialize();
    const res = await post(
      rpc(3, 'tools/call', {
        name: 'echo',
        arguments: { message: 'later', delayMs: COALESCE_MS * 5 },
        _meta: { progressToken: 'tok' },
      }),
      sid,
    );
    // Headers went out before the result existed, so the length was unknown: chunked.
    expect(res.headers.get('content-length')).toBeNull();
    const rest = await res.text();
    expect(rest.indexOf('notifications/progress')).toBeGreaterThan(-1);
    expect(rest.indexOf('notifications/progress')).toBeLessThan(rest.indexOf('"id":3'));
  });

  it('answers a batch of requests on one stream, which ends once every one is answered', async () => {
    const sid = await initialize();
    const res = await post(
      `[${rpc(20, 'tools/call', { name: 'echo', arguments: { message: 'slow', delayMs: 30 } })},${rpc(21, 'tools/list')}]`,
      sid,
    );
    expect(res.status).toBe(200);
    const body = await res.text();
    const ids = [...body.matchAll(/^data: (\{.*\})$/gm)].map((m) => (JSON.parse(m[1]!) as { id: number }).id);
    expect(ids.sort()).toEqual([20, 21]);
  });

  it('answers a notification-only POST with 202 and refuses bad requests like the SDK transport', async () => {
    const sid = await initialize();
    const note = await post(
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }),
      sid,
    );
    expect(note.status).toBe(202);
    expect((await post(rpc(4, 'tools/list'), sid, { accept: 'application/json' })).status).toBe(406);
    expect((await post(rpc(5, 'tools/list'), sid, { 'content-type': 'text/plain' })).status).toBe(415);
    const badVersion = await post(rpc(6, 'tools/list'), sid, { 'mcp-protocol-version': '1999-01-01' });
    expect(badVersion.status).toBe(400);
    expect(JSON.stringify(await badVersion.json())).toContain('Unsupported protocol version');
    const notRpc = await post(JSON.stringify({ hello: 'world' }), sid);
    expect(notRpc.status).toBe(400);
    expect(((await notRpc.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const reInit = await post(
      rpc(7, 'initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'x', version: '1' },
      }),
      sid,
    );
    expect(reInit.status).toBe(400);
  });

  it('allows one standalone GET stream and delivers server notifications on it', async () => {
    const sid = await initialize();
    const headers = {
      accept: 'text/event-stream',
      'mcp-session-id': sid,
      'mcp-protocol-version': '2025-11-25',
    };
    const ac = new AbortController();
    const stream = await fetch(url, { headers, signal: ac.signal });
    expect(stream.status).toBe(200);
    const second = await fetch(url, { headers });
    expect(second.status).toBe(409);
    await transport!.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('list_changed')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/id: \S+\ndata: .*list_changed/);
    ac.abort();
  });

  it('ends the session on DELETE; the transport then answers 404', async () => {
    const sid = await initialize();
    const before = deleted;
    const res = await fetch(url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(res.status).toBe(200);
    expect(deleted).toBe(before + 1);
    const after = await post(rpc(8, 'tools/list'), sid);
    expect(after.status).toBe(404);
  });
});
