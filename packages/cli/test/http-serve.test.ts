import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSEClientTransport } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin } from '@mcpgate/testkit';
import { CLI, textOf, waitFor, writeConfig } from './support.js';
import { newClient, rawInitialize, startServe, type ServeProcess } from './http-support.js';

const config = (extra = '') =>
  writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${process.execPath}
    args: ['${everythingBin()}', 'stdio']
# The gateway's own tests exercise transport and identity, not policy (whose default is deny;
# upstreams' sampling requests are off unless allowed).
policy:
  default: allow
  upstreamRequests: { sampling: allow }
store:
  dir: ./data
server:
  port: 0
  bodyLimit: 65536
  sessionIdleTimeout: 3s
  keepAlive: 1s
${extra}
`);

describe('mcpgate serve (local mode, loopback)', () => {
  let gw: ServeProcess;
  beforeAll(async () => {
    gw = await startServe(config());
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
  });

  it('says loudly that authentication is off', () => {
    expect(gw.stderr.some((l) => l.includes('AUTHENTICATION IS OFF'))).toBe(true);
  });

  it('serves a legacy-era v2 client over /mcp with a session', async () => {
    const client = newClient('legacy');
    const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`));
    await client.connect(transport);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('ev__echo');
    const res = await client.callTool({ name: 'ev__echo', arguments: { message: 'hello legacy' } });
    expect(textOf(res)).toContain('hello legacy');
    await transport.terminateSession();
    await client.close();
  });

  it('serves a modern (2026-07-28) client statelessly over /mcp', async () => {
    const client = newClient('modern');
    const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`));
    await client.connect(transport);
    expect(transport.sessionId).toBeUndefined();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('ev__get-sum');
    const res = await client.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 40 } });
    expect(textOf(res)).toContain('42');
    await client.close();
  });

  it('relays progress to a legacy client', async () => {
    const client = newClient('legacy');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    const progress: number[] = [];
    await client.callTool(
      { name: 'ev__trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(progress.length).toBeGreaterThanOrEqual(2);
    await client.close();
  });

  // Modern clients answer through input_required rounds, each its own HTTP request.
  for (const era of ['legacy', 'modern'] as const) {
    it(`routes elicitation and sampling back to the calling ${era} client`, async () => {
      const client = newClient(era, { elicitation: {}, sampling: {} });
      client.setRequestHandler(
        'elicitation/create',
        () => ({ action: 'accept', content: { color: 'teal' } }) as never,
      );
      client.setRequestHandler(
        'sampling/createMessage',
        () =>
          ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'sampled-by-client' } }) as never,
      );
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
      const elicited = await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
      expect(textOf(elicited)).toContain('teal');
      const sampled = await client.callTool({
        name: 'ev__trigger-sampling-request',
        arguments: { prompt: 'ping?', maxTokens: 5 },
      });
      expect(textOf(sampled)).toContain('sampled-by-client');
      await client.close();
    });
  }

  it('refuses a modern request whose Mcp-Method header disagrees with its body (400)', async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          },
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it('resumes a legacy stream after a disconnect with Last-Event-ID', async () => {
    const sid = await rawInitialize(gw.url);
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sid,
      'mcp-protocol-version': '2025-06-18',
    };
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers,
      signal: abort.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: {
          name: 'ev__trigger-long-running-operation',
          arguments: { duration: 2, steps: 4 },
          _meta: { progressToken: 'p1' },
        },
      }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!/id: (\S+)\ndata: .*notifications\/progress/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const lastId = /id: (\S+)\ndata: .*notifications\/progress/.exec(text)![1]!;
    abort.abort(); // the client loses its connection after the first progress event
    await new Promise((r) => setTimeout(r, 2500));
    const resumed = await fetch(`${gw.url}/mcp`, {
      method: 'GET',
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastId },
    });
    expect(resumed.status).toBe(200);
    const r2 = resumed.body!.getReader();
    let replay = '';
    while (!replay.includes('"id":9')) {
      const { value, done } = await r2.read();
      if (done) break;
      replay += new TextDecoder().decode(value);
    }
    await r2.cancel();
    // What the client missed: the later progress events and the call's result.
    expect(replay).toContain('notifications/progress');
    expect(replay).toContain('"id":9');
    expect(replay).toMatch(/completed/i);
  });

  it('cancels a modern call upstream when the client closes its stream', async () => {
    const client = newClient('modern');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    const abort = new AbortController();
    const t0 = Date.now();
    const call = client.callTool(
      { name: 'ev__trigger-long-running-operation', arguments: { duration: 10, steps: 10 } },
      { signal: abort.signal },
    );
    setTimeout(() => abort.abort(), 300);
    await expect(call).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(5000);
    // The gateway saw the stream close and ended the call as cancelled, not after 10 s.
    await waitFor(
      async () => {
        const text = await (await fetch(`${gw.url}/metrics`)).text();
        return (
          /mcpgate_calls_total\{method="tools\/call",outcome="cancelled"\} [1-9]/.test(text) || undefined
        );
      },
      5000,
      'a cancelled call in the metrics',
    );
    await client.close();
  });

  it('serves a legacy HTTP+SSE client over /sse + /messages', async () => {
    const client = newClient('legacy');
    await client.connect(new SSEClientTransport(new URL(`${gw.url}/sse`)));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('ev__echo');
    const res = await client.callTool({ name: 'ev__echo', arguments: { message: 'over sse' } });
    expect(textOf(res)).toContain('over sse');
    await client.close();
  });

  it('sends keep-alive comments on idle event streams (server.keepAlive 1s): /sse and a legacy GET', async () => {
    const untilKeepAlive = async (res: Response) => {
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = '';
      const t0 = Date.now();
      while (!text.includes(': keep-alive\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      expect(text).toContain(': keep-alive\n\n');
      // Nothing else was said on the stream in between: the comment came from the idle timer.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    };
    await untilKeepAlive(await fetch(`${gw.url}/sse`, { headers: { accept: 'text/event-stream' } }));
    const sid = await rawInitialize(gw.url);
    await untilKeepAlive(
      await fetch(`${gw.url}/mcp`, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      }),
    );
  });

  it('answers 404 for an unknown or ended session, and DELETE ends one', async () => {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    };
    const list = (sid: string) =>
      fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': sid },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });
    const unknown = await list('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    const sid = await rawInitialize(gw.url);
    const del = await fetch(`${gw.url}/mcp`, {
      method: 'DELETE',
      headers: { ...headers, 'mcp-session-id': sid },
    });
    expect(del.status).toBe(200);
    expect((await list(sid)).status).toBe(404);
  });

  it('refuses an unsupported MCP-Protocol-Version on a legacy session (400)', async () => {
    const sid = await rawInitialize(gw.url);
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '1999-01-01',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(400);
  });

  it('refuses a disallowed Origin (403) and a foreign Host (403), allows a loopback Origin with CORS', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const bad = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body,
    });
    expect(bad.status).toBe(403);
    const port = new URL(gw.url).port;
    const { status } = await rawHostRequest(port, 'attacker.example');
    expect(status).toBe(403);
    const pre = await fetch(`${gw.url}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-headers')).toContain('mcp-session-id');
  });

  it('refuses an oversized body with 413 and a non-JSON body with -32700', async () => {
    const big = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(70_000) } }),
    });
    expect(big.status).toBe(413);
    const junk = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });

  it('sweeps idle legacy sessions (sessionIdleTimeout 3s)', async () => {
    const sid = await rawInitialize(gw.url);
    const list = () =>
      fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });
    expect((await list()).status).toBe(200);
    // Idle for 3 s, swept every 1.5 s: untouched for 6 s it must be gone (and not a moment before 3 s).
    await new Promise((r) => setTimeout(r, 6000));
    expect((await list()).status).toBe(404);
    expect(gw.stderr.some((l) => l.includes('ended idle legacy sessions'))).toBe(true);
  });

  it('serves probes and Prometheus metrics', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      checks: { store: 'ok', upstreams: { everything: 'ready' } },
    });
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toContain('mcpgate_upstream_up{state="ready",upstream="everything"} 1');
    expect(text).toMatch(/mcpgate_http_requests_total\{route="\/mcp",status="200"\} \d+/);
    expect(text).toContain('# TYPE mcpgate_sessions gauge');
    // Modern requests each opened a gateway session and closed it: only legacy ones can remain.
    const gauge = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    const gatewaySessions = gauge(/^mcpgate_gateway_sessions (\d+)$/m);
    const legacy =
      gauge(/^mcpgate_sessions\{transport="streamable-http"\} (\d+)$/m) +
      gauge(/^mcpgate_sessions\{transport="sse"\} (\d+)$/m);
    expect(gatewaySessions).toBeLessThanOrEqual(legacy);
    // The metrics chain step counted the calls the earlier tests made, by method and outcome.
    expect(text).toMatch(/mcpgate_calls_total\{method="tools\/call",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/mcpgate_call_duration_seconds_count\{method="tools\/list"\} [1-9]/);
    // The audit trail keeps up: records committed, none held back by an unreachable store.
    expect(text).toContain('# TYPE mcpgate_audit_records_total counter');
    expect(gauge(/^mcpgate_audit_records_total (\d+)$/m)).toBeGreaterThan(0);
    expect(gauge(/^mcpgate_audit_pending_records\{state="deferred"\} (\d+)$/m)).toBe(0);
    expect(gauge(/^mcpgate_audit_dropped_records_total (\d+)$/m)).toBe(0);
    expect(gauge(/^mcpgate_audit_lag_seconds ([\d.e-]+)$/m)).toBeLessThan(5);
  });
});

describe('mcpgate serve lifecycle', () => {
  it('refuses local mode on a non-loopback bind', () => {
    const out = spawnSync(process.execPath, [CLI, 'serve', '--config', config(), '--host', '0.0.0.0'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('only allowed on a loopback address');
  });

  it('drains an in-flight call on SIGTERM, then exits 0', async () => {
    const gw = await startServe(config());
    const client = newClient('legacy');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    const call = client.callTool({
      name: 'ev__trigger-long-running-operation',
      arguments: { duration: 2, steps: 2 },
    });
    await new Promise((r) => setTimeout(r, 500));
    const code = gw.stop('SIGTERM');
    const res = await call;
    expect(textOf(res)).toMatch(/completed/i);
    expect(await code).toBe(0);
    expect(gw.stderr.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    await client.close().catch(() => undefined);
  });
});

/** A request with an arbitrary Host header (fetch does not allow setting it). */
async function rawHostRequest(port: string, host: string): Promise<{ status: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method: 'POST',
        headers: { host, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}
