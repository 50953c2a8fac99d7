import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { waitFor, writeConfig } from './support.js';
import {
  rawInitialize,
  startRecordingUpstream,
  startServe,
  type RecordingUpstream,
  type ServeProcess,
} from './http-support.js';
import { writeAuditKey } from './oidc-support.js';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('mcpgate serve: server.maxSessions', () => {
  let db: PgDatabase;
  let rec: RecordingUpstream;
  let gw: ServeProcess;

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_limits' });
    rec = await startRecordingUpstream();
    const configPath = writeConfig(`
upstreams:
  rec:
    url: ${rec.url}
policy:
  default: allow
store:
  url: ${db.url}
audit:
  signingKeyFile: ./audit-signing.pem
server:
  port: 0
  maxSessions: 2
`);
    writeAuditKey(configPath);
    gw = await startServe(configPath);
  });

  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await rec?.close();
    await db?.drop();
  });

  const initialize = async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(INIT),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };

  const del = async (sid: string) => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
    });
    await res.text();
    return res.status;
  };

  /** The `mcpgate_sessions` gauge for one transport, as the gateway itself counts open sessions. */
  const gauge = async (transport: 'streamable-http' | 'sse') => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const m = new RegExp(`^mcpgate_sessions\\{transport="${transport}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  /** What a refusal for the limit looks like: 503, Retry-After, a JSON-RPC error and no session. */
  const expectFull = (res: { status: number; headers: Headers; body: string }) => {
    expect(res.status, res.body).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(JSON.parse(res.body)).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: expect.stringMatching(/too many open sessions/) as unknown },
    });
  };

  it('refuses a third legacy session on /mcp with 503 until one is deleted', async () => {
    const first = await rawInitialize(gw.url);
    const second = await rawInitialize(gw.url);
    expect(await gauge('streamable-http')).toBe(2);

    expectFull(await initialize());
    // A refused initialize leaves nothing behind: still two, and still refused.
    expect(await gauge('streamable-http')).toBe(2);
    expectFull(await initialize());

    expect(await del(first)).toBe(200);
    const third = await initialize();
    expect(third.status, third.body).toBe(200);
    const thirdId = third.headers.get('mcp-session-id');
    expect(thirdId).toMatch(/^[0-9a-f-]{36}$/);
    expectFull(await initialize());

    // Leave the pool empty for the next test.
    expect(await del(second)).toBe(200);
    expect(await del(thirdId!)).toBe(200);
    expect(await gauge('streamable-http')).toBe(0);
  });

  it('counts HTTP+SSE sessions against the same limit', async () => {
    const openSse = async () => {
      const abort = new AbortController();
      const res = await fetch(`${gw.url}/sse`, {
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
      });
      return { res, abort };
    };

    // Two Streamable HTTP sessions fill the pool: /sse is refused the same way.
    const a = await rawInitialize(gw.url);
    const b = await rawInitialize(gw.url);
    const refused = await openSse();
    expectFull({ status: refused.res.status, headers: refused.res.headers, body: await refused.res.text() });

    // One Streamable HTTP session and one SSE stream fill it too: initialize on /mcp is refused.
    expect(await del(a)).toBe(200);
    const sse = await openSse();
    expect(sse.res.status).toBe(200);
    const reader = sse.res.body!.getReader();
    let text = '';
    while (!text.includes('event: endpoint')) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the SSE stream ended before its endpoint event: ${text}`);
      text += new TextDecoder().decode(chunk.value);
    }
    expect(await gauge('sse')).toBe(1);
    expectFull(await initialize());

    // Closing the SSE stream ends that session and frees its place. The gateway learns of the
    // close asynchronously, so wait for its own gauge rather than for a guessed delay.
    sse.abort.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor(async () => (await gauge('sse')) === 0 || undefined, 30_000, 'the SSE session to end');
    const again = await initialize();
    expect(again.status, again.body).toBe(200);

    expect(await del(b)).toBe(200);
    expect(await del(again.headers.get('mcp-session-id')!)).toBe(200);
  });
});
