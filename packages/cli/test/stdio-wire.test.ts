import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mutableServerBin } from '@mcpgate/testkit';
import { rawGateway, writeConfig, type RawGateway } from './support.js';

/** Wire-level behaviour of the stdio face: bad frames get JSON-RPC errors and the gateway keeps serving. */
const probe = join(import.meta.dirname, 'fixtures', 'id-probe.mjs');
const config = writeConfig(`
# Local single-user tests: everything allowed (the policy default is deny).
policy: { default: allow }
upstreams:
  probe:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(probe)}]
  mut:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(mutableServerBin())}]
    era: legacy
limits:
  maxMessageBytes: 4096
`);

const init = JSON.stringify({
  jsonrpc: '2.0',
  id: 'init-1',
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

describe('stdio wire handling', () => {
  let gw: RawGateway;
  beforeAll(async () => {
    gw = rawGateway(config);
    gw.send(init);
    // Generous: the first answer waits for the gateway's start (store, migrations, upstreams).
    const res = await gw.next(90_000);
    expect(res).toMatchObject({ id: 'init-1', result: { serverInfo: { name: 'mcpgate' } } });
    gw.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  });
  afterAll(async () => {
    expect(await gw.close()).toBe(0);
  });

  it('answers malformed JSON with -32700 and keeps serving', async () => {
    gw.send('{"jsonrpc": "2.0", "id": 7, "method": ');
    expect(await gw.next()).toMatchObject({ id: null, error: { code: -32700 } });
    gw.send(JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }));
    const list = await gw.next();
    expect(list).toMatchObject({
      id: 8,
      result: { tools: expect.arrayContaining([expect.objectContaining({ name: 'probe__seen_id' })]) },
    });
  });

  it('answers invalid requests with -32600, keeping the id when there is one', async () => {
    gw.send(JSON.stringify({ jsonrpc: '1.0', id: 9, method: 'tools/list' }));
    expect(await gw.next()).toMatchObject({ id: 9, error: { code: -32600 } });
    gw.send(JSON.stringify({ jsonrpc: '2.0', id: 10 }));
    expect(await gw.next()).toMatchObject({ id: 10, error: { code: -32600 } });
    gw.send(JSON.stringify([{ jsonrpc: '2.0', id: 11, method: 'ping' }]));
    expect(await gw.next()).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringMatching(/batch/) },
    });
    gw.send(JSON.stringify({ jsonrpc: '2.0', id: 12, method: 'tools/list', params: [1] }));
    expect(await gw.next()).toMatchObject({ id: 12, error: { code: -32600 } });
  });

  it('answers an unknown method with -32601', async () => {
    gw.send(JSON.stringify({ jsonrpc: '2.0', id: 13, method: 'foo/bar' }));
    expect(await gw.next()).toMatchObject({ id: 13, error: { code: -32601 } });
  });

  it('refuses a message over the size limit without buffering it, then keeps serving', async () => {
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 14,
      method: 'tools/call',
      params: { name: 'probe__seen_id', arguments: { blob: 'x'.repeat(100_000) } },
    });
    gw.send(huge);
    // Answered with its id (read while the line was discarded), so the client is not left waiting.
    expect(await gw.next()).toMatchObject({
      id: 14,
      error: { code: -32600, message: expect.stringMatching(/4096-byte limit/) },
    });
    gw.send(JSON.stringify({ jsonrpc: '2.0', id: 15, method: 'tools/list' }));
    expect(await gw.next()).toMatchObject({ id: 15 });
  });

  it('never passes the downstream JSON-RPC id upstream', async () => {
    const downstreamId = 'downstream-chosen-id-42';
    gw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: downstreamId,
        method: 'tools/call',
        params: { name: 'probe__seen_id', arguments: {} },
      }),
    );
    const res = (await gw.next()) as { id: unknown; result: { content: Array<{ text: string }> } };
    expect(res.id).toBe(downstreamId);
    const seen = JSON.parse(res.result.content[0]!.text) as { id: unknown; params: { name: string } };
    expect(seen.id).not.toBe(downstreamId);
    expect(seen.params.name).toBe('seen_id');
  });

  it('relays every progress notification with the caller’s own token, before the response', async () => {
    gw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'p-1',
        method: 'tools/call',
        params: {
          name: 'mut__slow',
          arguments: { steps: 3, stepMs: 20 },
          _meta: { progressToken: 'caller-token-7' },
        },
      }),
    );
    const seen: unknown[] = [];
    for (;;) {
      const m = await gw.next();
      if (m.id === 'p-1') {
        expect(m).toMatchObject({ result: { content: [{ text: 'slept 3 steps' }] } });
        break;
      }
      seen.push(m);
    }
    expect(seen).toEqual(
      [1, 2, 3].map((progress) => ({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'caller-token-7', progress, total: 3 },
      })),
    );
  });

  it('an unknown tool gets a clear error naming it', async () => {
    gw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 16,
        method: 'tools/call',
        params: { name: 'probe__nope', arguments: {} },
      }),
    );
    const res = (await gw.next()) as {
      error: { code: number; message: string; data: { mcpgate: { code: string } } };
    };
    expect(res.error.code).toBe(-32602);
    expect(res.error.message).toMatch(/unknown tool "probe__nope"/);
    expect(res.error.data.mcpgate.code).toBe('unknown_tool');
  });

  it('writes only JSON-RPC to stdout and JSON logs to stderr', () => {
    expect(gw.stderr.length).toBeGreaterThan(0);
    for (const line of gw.stderr) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
