import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryBin, modernServerBin, mutableServerBin } from '@mcpgate/testkit';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectGateway, textOf, waitFor, writeConfig, type Connected } from './support.js';

const node = JSON.stringify(process.execPath);
const dir = mkdtempSync(join(tmpdir(), 'mcpgate-upstreams-'));
const config = writeConfig(
  `
# Local single-user tests: everything allowed (the policy default is deny).
policy: { default: allow }
upstreams:
  modern:
    command: ${node}
    args: [${JSON.stringify(modernServerBin())}]
  mut:
    command: ${node}
    args: [${JSON.stringify(mutableServerBin())}]
    restart: { initialDelay: 100ms, maxDelay: 1s }
  memory:
    alias: mem
    command: ${node}
    args: [${JSON.stringify(memoryBin())}]
    env: { MEMORY_FILE_PATH: ${JSON.stringify(join(dir, 'memory.jsonl'))} }
`,
  dir,
);

for (const era of ['legacy', 'modern'] as const) {
  describe(`stdio face, ${era} client → modern, mutable and memory upstreams`, () => {
    let gw: Connected;
    let toolsChanged = 0;
    const elicitations: string[] = [];
    beforeAll(async () => {
      gw = await connectGateway(config, {
        era,
        capabilities: { elicitation: {} },
        setup: (client) => {
          client.setRequestHandler('elicitation/create', (req) => {
            elicitations.push(String((req.params as { message?: string }).message));
            return { action: 'accept', content: { confirm: true } } as never;
          });
        },
        // Legacy clients get notifications/tools/list_changed; modern ones through subscriptions/listen.
        onToolsChanged: () => void toolsChanged++,
      });
    });
    afterAll(() => gw?.close());

    it('drives the 2026-07-28 upstream in the modern era (no initialize; modern-only methods)', async () => {
      // The SDK probes server/discover on a short-lived sibling process, so the serving process
      // itself never sees initialize, and it does see the modern-only subscriptions/listen.
      const trace = textOf(await gw.client.callTool({ name: 'modern__trace', arguments: {} }));
      expect(trace).not.toContain('initialize');
      expect(trace).toContain('subscriptions/listen');
      expect(textOf(await gw.client.callTool({ name: 'modern__add', arguments: { a: 2, b: 3 } }))).toBe('5');
    });

    it('round-trips a modern upstream input_required to the client (translated to elicitation for legacy clients)', async () => {
      const before = elicitations.length;
      const result = await gw.client.callTool({
        name: 'modern__confirm_action',
        arguments: { action: 'deploy' },
      });
      expect(textOf(result)).toBe('done: deploy');
      expect(elicitations.length).toBe(before + 1);
      expect(elicitations.at(-1)).toContain('deploy');
    });

    it('fetches every page of a paginated upstream list', async () => {
      const names = (await gw.client.listTools()).tools
        .map((t) => t.name)
        .filter((n) => n.startsWith('mut__'));
      expect(names.length).toBeGreaterThanOrEqual(10);
      expect(names).toContain('mut__filler_2');
    });

    it('relays a legacy upstream server-to-client request to this client', async () => {
      expect(textOf(await gw.client.callTool({ name: 'mut__ask', arguments: { message: 'ok?' } }))).toContain(
        'confirm',
      );
    });

    it('works with server-memory', async () => {
      await gw.client.callTool({
        name: 'mem__create_entities',
        arguments: {
          entities: [{ name: `e2e-${era}`, entityType: 'test', observations: ['through mcpgate'] }],
        },
      });
      const graph = textOf(await gw.client.callTool({ name: 'mem__read_graph', arguments: {} }));
      expect(graph).toContain(`e2e-${era}`);
    });

    it('fans an upstream tools/list_changed out to the client and serves the new list', async () => {
      const before = toolsChanged;
      await gw.client.callTool({ name: 'modern__add_tool', arguments: {} });
      if (era === 'legacy')
        await waitFor(() => (toolsChanged > before ? true : undefined), 10_000, 'list_changed');
      const names = await waitFor(async () => {
        const n = (await gw.client.listTools()).tools.map((t) => t.name);
        return n.some((x) => x.startsWith('modern__extra_')) ? n : undefined;
      });
      expect(names.some((x) => x.startsWith('modern__extra_'))).toBe(true);
    });

    it('fails in-flight calls of a crashed upstream at once, naming it, and restarts it', async () => {
      const t0 = Date.now();
      await expect(gw.client.callTool({ name: 'mut__crash', arguments: {} })).rejects.toThrow(/mut/);
      expect(Date.now() - t0).toBeLessThan(5_000);
      // Other upstreams keep working while it restarts.
      expect(
        textOf(await gw.client.callTool({ name: 'modern__echo', arguments: { message: 'still here' } })),
      ).toContain('still here');
      const echoed = await waitFor(
        async () => {
          try {
            return textOf(await gw.client.callTool({ name: 'mut__echo', arguments: { message: 'back' } }));
          } catch {
            return undefined;
          }
        },
        20_000,
        'the crashed upstream to come back',
      );
      expect(echoed).toContain('back');
    });
  });
}
