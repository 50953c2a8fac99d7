import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingHttp, type RunningHttpServer } from '@mcpgate/testkit';
import { connectGateway, textOf, writeConfig, type Connected } from './support.js';

/**
 * Remote upstreams behind the stdio face: server-everything as a Streamable HTTP and as a legacy
 * SSE server on 127.0.0.1, both behind one gateway, driven by a client of each era.
 */
describe('stdio face → remote upstreams (Streamable HTTP and SSE)', () => {
  let http: RunningHttpServer;
  let sse: RunningHttpServer;
  let config: string;
  beforeAll(async () => {
    [http, sse] = await Promise.all([
      startEverythingHttp({ transport: 'streamableHttp' }),
      startEverythingHttp({ transport: 'sse' }),
    ]);
    config = writeConfig(`
# Local single-user tests: everything allowed (the policy default is deny).
policy: { default: allow }
upstreams:
  web:
    url: ${http.url}
    transport: streamable-http
  old:
    url: ${sse.url}
    transport: sse
`);
  });
  afterAll(async () => {
    await http?.close();
    await sse?.close();
  });

  for (const era of ['legacy', 'modern'] as const) {
    describe(`${era} client`, () => {
      let gw: Connected;
      beforeAll(async () => {
        gw = await connectGateway(config, {
          era,
          capabilities: { elicitation: {} },
          setup: (c) =>
            c.setRequestHandler(
              'elicitation/create',
              () => ({ action: 'accept', content: { color: 'amber' } }) as never,
            ),
        });
      });
      afterAll(() => gw?.close());

      it('lists and calls tools of both remote upstreams', async () => {
        const names = (await gw.client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('web__echo');
        expect(names).toContain('old__echo');
        expect(
          textOf(await gw.client.callTool({ name: 'web__echo', arguments: { message: 'via http' } })),
        ).toBe('Echo: via http');
        expect(
          textOf(await gw.client.callTool({ name: 'old__echo', arguments: { message: 'via sse' } })),
        ).toBe('Echo: via sse');
      });

      it('relays progress and elicitation from a Streamable HTTP upstream', async () => {
        const seen: number[] = [];
        const r = await gw.client.callTool(
          { name: 'web__trigger-long-running-operation', arguments: { duration: 1, steps: 2 } },
          { onprogress: (p) => void seen.push(p.progress) },
        );
        expect(textOf(r)).toContain('completed');
        expect(seen.length).toBeGreaterThanOrEqual(1);
        expect(
          textOf(await gw.client.callTool({ name: 'web__trigger-elicitation-request', arguments: {} })),
        ).toContain('amber');
      });

      it('reads resources through the SSE upstream', async () => {
        const read = await gw.client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
        expect(read.contents.length).toBeGreaterThan(0);
      });
    });
  }
});
