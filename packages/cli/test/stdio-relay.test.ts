import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingBin } from '@mcpgate/testkit';
import { connectGateway, textOf, waitFor, writeConfig, type Connected } from './support.js';

/**
 * Everything of issue §6 "relayed, nothing silently dropped", through the built CLI, with
 * server-everything (a real upstream from npm) as a stdio child — once per client era.
 */
const config = writeConfig(`
# Local single-user tests: everything allowed (the policy default is deny), and upstreams may
# use the client's model (sampling is off unless allowed).
policy: { default: allow, upstreamRequests: { sampling: allow } }
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
logging: { level: debug }
`);

for (const era of ['legacy', 'modern'] as const) {
  describe(`stdio face, ${era} client → server-everything`, () => {
    let gw: Connected;
    const logs: unknown[] = [];
    const updates: string[] = [];
    const listChanged: string[] = [];

    beforeAll(async () => {
      gw = await connectGateway(config, {
        era,
        capabilities: { elicitation: {}, sampling: {}, roots: { listChanged: true } },
        setup: (client) => {
          client.setRequestHandler(
            'elicitation/create',
            () => ({ action: 'accept', content: { color: 'teal' } }) as never,
          );
          client.setRequestHandler(
            'sampling/createMessage',
            (req) =>
              ({
                model: 'e2e-model',
                role: 'assistant',
                content: {
                  type: 'text',
                  text: `sampled: ${JSON.stringify((req.params as { messages: unknown[] }).messages[0])}`,
                },
              }) as never,
          );
          client.setRequestHandler('roots/list', () => ({
            roots: [{ uri: 'file:///e2e-root', name: 'e2e' }],
          }));
          client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params));
          client.setNotificationHandler(
            'notifications/resources/updated',
            (n) => void updates.push(String(n.params.uri)),
          );
          client.setNotificationHandler(
            'notifications/tools/list_changed',
            () => void listChanged.push('tools'),
          );
        },
      });
    });
    afterAll(() => gw?.close());

    it('lists namespaced tools, prompts, resources (all pages) and templates', async () => {
      const tools = await gw.client.listTools();
      const names = tools.tools.map((t) => t.name);
      expect(names).toContain('ev__echo');
      expect(names).toContain('ev__get-structured-content');
      expect(names.every((n) => n.startsWith('ev__'))).toBe(true);
      const echo = tools.tools.find((t) => t.name === 'ev__echo')!;
      expect(echo.annotations?.readOnlyHint).toBe(true);
      const prompts = await gw.client.listPrompts();
      expect(prompts.prompts.map((p) => p.name)).toContain('ev__simple-prompt');
      const resources = await gw.client.listResources();
      expect(resources.resources.length).toBeGreaterThanOrEqual(7);
      const templates = await gw.client.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toContain(
        'demo://resource/dynamic/text/{resourceId}',
      );
    });

    it('relays tools/call content, structuredContent and isError as they are', async () => {
      const echo = await gw.client.request({
        method: 'tools/call',
        params: { name: 'ev__echo', arguments: { message: 'hi' } },
      });
      expect(textOf(echo)).toBe('Echo: hi');
      const structured = await gw.client.request({
        method: 'tools/call',
        params: { name: 'ev__get-structured-content', arguments: { location: 'Chicago' } },
      });
      expect(structured.structuredContent).toMatchObject({ temperature: expect.any(Number) });
      const bad = await gw.client.request({
        method: 'tools/call',
        params: { name: 'ev__get-sum', arguments: { a: 'x' } },
      });
      expect(bad.isError).toBe(true);
    });

    it('refuses an unknown tool with a clear error carrying a correlation id', async () => {
      await expect(
        gw.client.request({ method: 'tools/call', params: { name: 'ev__nope', arguments: {} } }),
      ).rejects.toThrow(/unknown tool "ev__nope" \(correlation id c_[0-9A-Z]+\)/);
    });

    it('relays prompts/get, resources/read (listed and templated) and completion/complete', async () => {
      const prompt = await gw.client.getPrompt({ name: 'ev__args-prompt', arguments: { city: 'Oslo' } });
      expect(JSON.stringify(prompt.messages)).toContain('Oslo');
      const read = await gw.client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
      expect(read.contents[0]!.uri).toBe('demo://resource/static/document/architecture.md');
      const templated = await gw.client.readResource({ uri: 'demo://resource/dynamic/text/3' });
      expect(templated.contents.length).toBeGreaterThan(0);
      const completion = await gw.client.complete({
        ref: { type: 'ref/prompt', name: 'ev__completable-prompt' },
        argument: { name: 'department', value: 'E' },
      });
      expect(completion.completion.values).toContain('Engineering');
    });

    // The 2026-07-28 revision removed ping.
    it.skipIf(era === 'modern')('answers ping', async () => {
      await expect(gw.client.ping()).resolves.toBeDefined();
    });

    it('maps progress tokens per caller and relays progress', async () => {
      const seen: number[] = [];
      const result = await gw.client.callTool(
        { name: 'ev__trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
        { onprogress: (p) => void seen.push(p.progress) },
      );
      expect(textOf(result)).toContain('completed');
      // The SDK client drops a progress notification it reads together with the response, which
      // happens under load; stdio-wire.test.ts checks every notification on the raw wire.
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    });

    it('cancels upstream when the client cancels', async () => {
      const ac = new AbortController();
      const call = gw.client.callTool(
        { name: 'ev__trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
        { signal: ac.signal },
      );
      setTimeout(() => ac.abort('e2e cancel'), 300);
      await expect(call).rejects.toThrow();
      // The gateway stays healthy after the cancellation.
      expect(textOf(await gw.client.callTool({ name: 'ev__echo', arguments: { message: 'after' } }))).toBe(
        'Echo: after',
      );
    });

    it('routes elicitation, sampling and roots requests back to the calling client', async () => {
      const elicited = await gw.client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
      expect(textOf(elicited)).toContain('teal');
      const sampled = await gw.client.callTool({
        name: 'ev__trigger-sampling-request',
        arguments: { prompt: 'ping?', maxTokens: 5 },
      });
      expect(textOf(sampled)).toContain('sampled:');
      const roots = await gw.client.callTool({ name: 'ev__get-roots-list', arguments: {} });
      expect(textOf(roots)).toContain('file:///e2e-root');
    });

    // 2026-07-28 has no logging/setLevel push channel (deprecated); covered for legacy clients.
    it.skipIf(era === 'modern')('relays logging/setLevel and the upstream log messages', async () => {
      await gw.client.setLoggingLevel('debug');
      await gw.client.callTool({ name: 'ev__toggle-simulated-logging', arguments: {} });
      await waitFor(() => (logs.length > 0 ? true : undefined), 20_000, 'a log message');
      await gw.client.callTool({ name: 'ev__toggle-simulated-logging', arguments: {} });
      expect(JSON.stringify(logs[0])).toContain('everything');
    });

    // 2026-07-28 clients follow resources through a subscriptions/listen filter instead.
    it.runIf(era === 'modern')(
      'delivers resources/updated through a subscriptions/listen filter',
      async () => {
        const uri = 'demo://resource/static/document/extension.md';
        const sub = await gw.client.listen({ resourceSubscriptions: [uri] });
        expect(sub.honoredFilter.resourceSubscriptions).toEqual([uri]);
        await gw.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
        await waitFor(
          () => (updates.includes(uri) ? true : undefined),
          20_000,
          'resources/updated on the listen stream',
        );
        await gw.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
        await sub.close();
      },
    );

    it.skipIf(era === 'modern')(
      'relays resources/subscribe and resources/updated, and unsubscribe',
      async () => {
        const uri = 'demo://resource/static/document/architecture.md';
        await gw.client.subscribeResource({ uri });
        await gw.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
        await waitFor(() => (updates.includes(uri) ? true : undefined), 20_000, 'resources/updated');
        await gw.client.unsubscribeResource({ uri });
        await gw.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
      },
    );
  });
}
