#!/usr/bin/env node
/**
 * An upstream whose own messages carry planted secrets — for tests of the gateway's upstream side
 * (policy, masking and audit of what an upstream starts). Built on the v2 server package over
 * stdio; it serves either era, as the gateway's connection chooses:
 *
 * - `log_secret`: sends a log line whose data holds PLANTED.token, then answers "logged";
 * - `progress_card`: reports progress whose message holds PLANTED.card (the call needs a token);
 * - `sample`: asks the client's model, with PLANTED.key in the prompt, then echoes the answer;
 * - `elicit`: asks the user a question holding PLANTED.token, then echoes the answer;
 * - `roots`: asks for the client's roots, then lists the URIs it got.
 *
 * A legacy (2025) connection gets real server→client requests; a modern (2026-07-28) one gets
 * `input_required` results, and the retry's answers finish the call.
 */
import { McpServer, inputRequired, inputResponse, type ServerContext } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { PLANTED } from '../planted.js';

type Ask = 'sample' | 'elicit' | 'roots';

function isModern(ctx: ServerContext): boolean {
  return ctx.mcpReq.envelope !== undefined && ctx.mcpReq.envelope !== null;
}

const SAMPLING = {
  messages: [
    {
      role: 'user' as const,
      content: { type: 'text' as const, text: `Summarise: the key is ${PLANTED.key}` },
    },
  ],
  systemPrompt: `You are helpful. Internal key ${PLANTED.key}.`,
  maxTokens: 100,
};
const ELICIT = {
  message: `Confirm access for token ${PLANTED.token}?`,
  requestedSchema: {
    type: 'object' as const,
    properties: { note: { type: 'string' as const, title: 'Note' } },
  },
};

function text(t: string): { content: Array<{ type: 'text'; text: string }> } {
  return { content: [{ type: 'text', text: t }] };
}

/** What the client answered, as text the test can read back (and the gateway masks). */
function describe(kind: Ask, answer: unknown): string {
  const a = answer as Record<string, unknown> | undefined;
  if (kind === 'roots') {
    const roots = (a?.roots ?? []) as Array<{ uri: string }>;
    return `roots: ${roots.map((r) => r.uri).join(', ')}`;
  }
  if (kind === 'elicit') return `elicited: ${String(a?.action)} ${JSON.stringify(a?.content ?? {})}`;
  const content = a?.content as { text?: string } | undefined;
  return `sampled: ${content?.text ?? ''}`;
}

async function legacyAsk(server: McpServer, kind: Ask, ctx: ServerContext): Promise<unknown> {
  if (kind === 'sample') return ctx.mcpReq.requestSampling(SAMPLING);
  if (kind === 'elicit') return ctx.mcpReq.elicitInput(ELICIT);
  return server.server.listRoots();
}

function modernAsk(kind: Ask): ReturnType<typeof inputRequired> {
  const ask =
    kind === 'sample'
      ? inputRequired.createMessage(SAMPLING)
      : kind === 'elicit'
        ? inputRequired.elicit(ELICIT)
        : inputRequired.listRoots();
  return inputRequired({ inputRequests: { [kind]: ask }, requestState: kind });
}

function build(): McpServer {
  const server = new McpServer(
    { name: 'mcpgate-test-planted', version: '1.0.0' },
    { capabilities: { tools: {}, logging: {} } },
  );

  server.registerTool('log_secret', { description: 'Logs a line holding a planted token' }, async (ctx) => {
    await ctx.mcpReq.log('warning', { msg: `connected with ${PLANTED.token}` }, 'auth');
    return text('logged');
  });

  server.registerTool(
    'progress_card',
    { description: 'Reports progress holding a planted card number' },
    async (ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      if (token !== undefined) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 1, total: 2, message: `charging card ${PLANTED.card}` },
        });
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 2, total: 2, message: 'done' },
        });
        // Like a real long call, the result follows the last progress after a moment. Without
        // the pause, the test's SDK client can lose progress that it reads in the same chunk as
        // the response (it drops its handler on the response before dispatching the notification).
        await new Promise((r) => setTimeout(r, 50));
      }
      return text(token === undefined ? 'charged (no progress token)' : 'charged');
    },
  );

  for (const kind of ['sample', 'elicit', 'roots'] as const) {
    server.registerTool(kind, { description: `Asks the client (${kind})` }, async (ctx) => {
      if (!isModern(ctx)) return text(describe(kind, await legacyAsk(server, kind, ctx)));
      const view = inputResponse(ctx.mcpReq.inputResponses, kind);
      if (view.kind === 'missing') return modernAsk(kind);
      return text(describe(kind, ctx.mcpReq.inputResponses?.[kind]));
    });
  }
  return server;
}

serveStdio(() => build());
