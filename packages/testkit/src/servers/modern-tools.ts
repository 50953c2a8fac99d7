/**
 * The tools of the modern-era test server, shared by its stdio and HTTP entry points:
 * `echo`, `add` (structuredContent + `_meta`), `confirm_action` (multi-round-trip elicitation via
 * `inputRequired`), `slow` (progress, honours cancellation), `add_tool` (changes the tool list),
 * `trace` (the methods this process received).
 */
import { McpServer, acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import * as z from 'zod';

let extraTools = 0;

/**
 * One server instance with the test tools. `onToolsChanged` announces a tool-list change however the
 * entry point can (stdio: the instance's own notification; HTTP: the handler's subscription bus).
 */
export function buildModernServer(
  seen: readonly string[],
  onToolsChanged: (server: McpServer) => void,
): McpServer {
  const server = new McpServer(
    { name: 'mcpgate-test-modern', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );

  server.registerTool(
    'echo',
    { description: 'Echoes the message back', inputSchema: z.object({ message: z.string() }) },
    ({ message }) => ({ content: [{ type: 'text', text: `Echo: ${message}` }] }),
  );

  server.registerTool(
    'add',
    {
      description: 'Adds two numbers',
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      outputSchema: z.object({ sum: z.number() }),
    },
    ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
      structuredContent: { sum: a + b },
      _meta: { 'example.com/origin': 'modern-test-server' },
    }),
  );

  server.registerTool(
    'confirm_action',
    {
      description: 'Asks the user to confirm (multi-round-trip elicitation), then acts',
      inputSchema: z.object({ action: z.string() }),
    },
    ({ action }, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
      if (answer === undefined) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: `Really ${action}?`,
              requestedSchema: {
                type: 'object',
                properties: { confirm: { type: 'boolean', title: 'Confirm' } },
                required: ['confirm'],
              },
            }),
          },
          requestState: JSON.stringify({ action }),
        });
      }
      const state = ctx.mcpReq.requestState<string>();
      return {
        content: [
          {
            type: 'text',
            text: answer.confirm === true ? `done: ${action}` : `not confirmed: ${action}`,
          },
        ],
        structuredContent: { confirmed: answer.confirm === true, state: state ?? null },
      };
    },
  );

  server.registerTool(
    'slow',
    {
      description: 'Sleeps in steps, reporting progress after each',
      inputSchema: z.object({ steps: z.number().int().min(1).max(50), stepMs: z.number().int().min(1) }),
    },
    async ({ steps, stepMs }, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, stepMs));
        if (ctx.mcpReq.signal.aborted) return { content: [{ type: 'text', text: 'aborted' }], isError: true };
        if (token !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}` },
          });
        }
      }
      return { content: [{ type: 'text', text: `slept ${steps} steps` }] };
    },
  );

  server.registerTool(
    'add_tool',
    { description: 'Registers one more tool (extra_N) and announces the list change' },
    () => {
      extraTools += 1;
      registerExtras(server, extraTools);
      onToolsChanged(server);
      return { content: [{ type: 'text', text: `added extra_${extraTools}` }] };
    },
  );

  server.registerTool('trace', { description: 'Methods this process has received, in order' }, () => ({
    content: [{ type: 'text', text: seen.join('\n') }],
    structuredContent: { methods: [...seen] },
  }));

  registerExtras(server, extraTools);
  return server;
}

function registerExtras(server: McpServer, upTo: number): void {
  for (let i = 1; i <= upTo; i++) {
    const name = `extra_${i}`;
    try {
      server.registerTool(name, { description: `Extra tool ${i}` }, () => ({
        content: [{ type: 'text', text: name }],
      }));
    } catch {
      // Already registered on this instance.
    }
  }
}
