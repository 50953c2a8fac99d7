import { describe, expect, it } from 'vitest';
import { dispatchDirectly } from '@mcpgate/core';
import { InMemoryTransport, Server } from '@modelcontextprotocol/server';
import { Client } from '@modelcontextprotocol/client';

/** A real SDK server and client over an in-memory pair, each side's SDK dispatch counted. */
async function pair() {
  const server = new Server({ name: 's', version: '1' }, { capabilities: { tools: {} } });
  const seen: unknown[] = [];
  server.setRequestHandler('tools/call', (request) => {
    seen.push(request.params);
    return Promise.resolve({ content: [{ type: 'text', text: `ok ${String(request.params.name)}` }] });
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'c', version: '1' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const counts = { server: 0, client: 0 };
  for (const [side, transport] of [
    ['server', serverSide],
    ['client', clientSide],
  ] as const) {
    const sdk = transport.onmessage!;
    transport.onmessage = (m, extra) => {
      counts[side]++;
      sdk(m, extra);
    };
  }
  const direct = {
    server: dispatchDirectly(server, serverSide),
    client: dispatchDirectly(client, clientSide),
  };
  return { server, client, seen, counts, direct };
}

describe('dispatchDirectly', () => {
  it('finds the SDK’s inbound dispatch methods on the pinned SDK (else it would bypass nothing)', async () => {
    const { direct } = await pair();
    expect(direct).toEqual({ server: true, client: true });
  });

  it('hands plain requests and responses to the SDK’s own methods without its classifier', async () => {
    const { client, seen, counts } = await pair();
    const result = await client.request({ method: 'tools/call', params: { name: 'a', arguments: {} } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'ok a' }] });
    expect(seen).toEqual([{ name: 'a', arguments: {} }]);
    expect(counts).toEqual({ server: 0, client: 0 });
  });

  it('leaves what it cannot vouch for to the SDK’s path, with the same outcome', async () => {
    const { client, seen, counts } = await pair();
    const params = {
      name: 'b',
      _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't1' } },
    };
    await client.request({ method: 'tools/call', params });
    expect(seen).toHaveLength(1);
    expect(counts.server).toBe(1);
  });

  it('does nothing on an object that is not an SDK protocol', () => {
    const transport = { onmessage: () => undefined };
    const before = transport.onmessage;
    expect(dispatchDirectly({}, transport)).toBe(false);
    expect(transport.onmessage).toBe(before);
  });
});
