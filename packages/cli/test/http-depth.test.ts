import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { writeConfig } from './support.js';
import { rawInitialize, startServe, type ServeProcess } from './http-support.js';
import { writeAuditKey } from './oidc-support.js';

/**
 * #11 on the HTTP face of `mcpgate serve`: a body nested deeper than limits.maxJsonDepth is
 * refused (400, -32600 naming the limit and the depth) before anything parses or walks it — for
 * the legacy and modern eras, batches and the legacy /messages endpoint — and an oversized
 * upstream result fails only its call. Before, one deep body killed the process for everyone.
 */
const hostile = join(import.meta.dirname, 'fixtures', 'hostile-upstream.mjs');
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
};

describe('mcpgate serve: JSON depth and upstream size limits', () => {
  let db: PgDatabase;
  let gw: ServeProcess;
  let sid: string;

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_http_depth' });
    const configPath = writeConfig(`
upstreams:
  h:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(hostile)}]
policy:
  default: allow
store:
  url: ${db.url}
audit:
  signingKeyFile: ./audit-signing.pem
server:
  port: 0
limits:
  maxMessageBytes: 65536
  maxJsonDepth: 64
`);
    writeAuditKey(configPath);
    gw = await startServe(configPath);
    sid = await rawInitialize(gw.url);
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await db?.drop();
  });

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
    });
    const text = await res.text();
    const json = text.startsWith('{') || text.startsWith('[') ? text : /^data: (.*)$/m.exec(text)?.[1];
    return { status: res.status, body: JSON.parse(json ?? 'null') as unknown };
  };
  const legacy = { 'mcp-session-id': '', 'mcp-protocol-version': '2025-06-18' };
  const inSession = () => ({ ...legacy, 'mcp-session-id': sid });
  const call = (id: unknown, args: string) =>
    `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"h__echo","arguments":${args}},"id":${JSON.stringify(id)}}`;

  it('refuses a deep legacy call with 400 / -32600, its id, the limit and the depth', async () => {
    const res = await post('/mcp', call('L1', `{"x":${nested(10_000)}}`), inSession());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      id: 'L1',
      error: {
        code: -32600,
        message: expect.stringMatching(/10003 levels deep.*limits\.maxJsonDepth \(64\)/),
      },
    });
  });

  it('refuses a deep modern call (depth hidden in _meta) the same way', async () => {
    const body = `{"jsonrpc":"2.0","id":"M1","method":"tools/call","params":{"name":"h__echo","arguments":{},"_meta":${JSON.stringify(
      MODERN_META,
    ).replace(/}$/, `,"x":${nested(100)}}`)}}}`;
    const res = await post('/mcp', body, { 'mcp-method': 'tools/call', 'mcp-name': 'h__echo' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      id: 'M1',
      error: { code: -32600, message: expect.stringMatching(/\(64\)/) },
    });
  });

  it('refuses a batch with one deep member, and a deep POST to /messages', async () => {
    const batch = `[${call('B1', '{}')},${call('B2', `{"x":${nested(5000)}}`)}]`;
    const res = await post('/mcp', batch, inSession());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ id: null, error: { code: -32600 } });
    const sse = await post('/messages?sessionId=unknown', call('S1', `{"x":${nested(5000)}}`));
    expect(sse.status).toBe(400);
    expect(sse.body).toMatchObject({ id: 'S1', error: { code: -32600 } });
  });

  it('accepts exactly the limit, and keeps serving after every refusal', async () => {
    // Envelope {…params{…arguments{…x: 61 levels}}} = 64 levels.
    const res = await post('/mcp', call('OK1', `{"x":${nested(61)}}`), inSession());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'OK1', result: { content: [{ type: 'text' }] } });
    const over = await post('/mcp', call('OK2', `{"x":${nested(62)}}`), inSession());
    expect(over.body).toMatchObject({
      id: 'OK2',
      error: { message: expect.stringMatching(/65 levels deep/) },
    });
    expect(gw.child.exitCode).toBeNull();
  });

  it('fails only the call whose upstream result is oversized; the next call on the connection works', async () => {
    const big = await post(
      '/mcp',
      '{"jsonrpc":"2.0","id":"BIG","method":"tools/call","params":{"name":"h__big","arguments":{"bytes":200000}}}',
      inSession(),
    );
    expect(big.body).toMatchObject({
      id: 'BIG',
      error: { message: expect.stringMatching(/upstream "h" sent a message larger than 65536 bytes/) },
    });
    const next = await post('/mcp', call('N1', '{"y":1}'), inSession());
    expect(next.body).toMatchObject({ id: 'N1', result: { content: [{ text: '{"y":1}' }] } });
    expect(gw.stderr.join('\n')).not.toMatch(/upstream connection lost/);
  });
});
