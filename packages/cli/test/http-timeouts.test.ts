import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeConfig } from './support.js';
import { startServe, type ServeProcess } from './http-support.js';

// Every phase of receiving a request is bounded (headers, body, idle keep-alive), sending is not
// (event streams), and an early answer (413, 401…) drains the upload so the client reads it.
// Short timeouts so the test waits seconds; the assertions are about what happens, not when.

interface RawConnection {
  readonly socket: Socket;
  /** Everything the gateway sent so far. */
  text(): string;
  /** Resolves with everything received once the gateway closed the connection. */
  readonly closed: Promise<string>;
}

function raw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const closed = new Promise<string>((r) => socket.once('close', () => r(received)));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, text: () => received, closed }));
    socket.once('error', reject);
  });
}

describe('mcpgate serve: request timeouts and early answers', () => {
  let gw: ServeProcess;
  beforeAll(async () => {
    gw = await startServe(
      writeConfig(`
upstreams: {}
store:
  dir: ./data
server:
  port: 0
  bodyLimit: 65536
  headersTimeout: 1s
  bodyTimeout: 1s
  keepAliveTimeout: 1s
  keepAlive: 500ms
`),
    );
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
  });

  it('answers 408 and closes a connection whose body never finishes (server.bodyTimeout)', async () => {
    const c = await raw(gw.url);
    c.socket.write(
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":',
    );
    const got = await c.closed;
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(got).toContain('server.bodyTimeout');
  });

  it('closes a connection whose headers never finish (server.headersTimeout)', async () => {
    const c = await raw(gw.url);
    c.socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await c.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection (server.keepAliveTimeout)', async () => {
    const c = await raw(gw.url);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    const got = await c.closed;
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got).toMatch(/keep-alive: timeout=1\b/i);
  });

  it('keeps an event stream open past every request timeout (streams are responses)', async () => {
    const res = await fetch(`${gw.url}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    // Keep-alive comments every 500 ms: six of them span 3 s, past headers + body timeouts (2 s).
    while ((text.match(/^:/gm) ?? []).length < 6) {
      const chunk = await reader.read();
      expect(chunk.done).toBe(false);
      text += new TextDecoder().decode(chunk.value);
    }
    expect(text).toContain('event: endpoint');
    await reader.cancel();
  });

  it('answers a too-large upload with 413 that a fetch client reads, every time (no EPIPE)', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
      params: { pad: 'x'.repeat(8_000_000) },
    });
    const outcomes = new Map<string, number>();
    // 8 MB against a 64 KiB limit, sequentially: the race between the answer and the upload is
    // per request. Closing right after the answer made about two in three of these fail with EPIPE.
    for (let i = 0; i < 60; i++) {
      const key = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          connection: 'close',
        },
        body,
      }).then(
        async (r) => {
          await r.text();
          return String(r.status);
        },
        (err: unknown) => {
          const cause = (err as { cause?: { code?: string } }).cause;
          return `error ${cause?.code ?? String(err)}`;
        },
      );
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(outcomes)).toEqual({ '413': 60 });
  });

  it('answers an early 404 to an upload and drains it, keeping the connection usable', async () => {
    const c = await raw(gw.url);
    const pad = 'y'.repeat(30_000);
    c.socket.write(`POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${pad.length}\r\n\r\n`);
    c.socket.write(pad);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const got = await c.closed;
    expect(got).toMatch(/^HTTP\/1\.1 404 /);
    expect(got).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"status":"ok"/);
  });
});
