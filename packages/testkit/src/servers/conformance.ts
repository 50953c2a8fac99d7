#!/usr/bin/env node
/**
 * A legacy-era stdio server with the tools, resources and prompts that the official MCP
 * conformance suite's server scenarios call by name (`test_simple_text`, `test://static-text`,
 * `test_prompt_with_arguments`, …). The suite ships only its runner, not the server it is measured
 * against, so `scripts/conformance.mjs` runs this one behind `mcpgate serve` (no prefix): every
 * scenario then measures the gateway's handling of what a spec-following server sends.
 *
 * Written against the scenarios' documented expectations with the v2 server package; served with
 * `connect` (not `serveStdio`) so the gateway speaks the legacy era to it, where server→client
 * requests (sampling, elicitation) are real requests the gateway must route back.
 */
import { fromJsonSchema, McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

/** A 1×1 PNG and a minimal WAV header: enough for the suite's content-type checks. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
const none = z.object({});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = new McpServer(
  { name: 'mcpgate-conformance-reference', version: '1.0.0' },
  {
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    },
  },
);

server.registerTool('test_simple_text', { description: 'Simple text content', inputSchema: none }, () =>
  text('This is a simple text response for testing.'),
);
server.registerTool('test_image_content', { description: 'Image content', inputSchema: none }, () => ({
  content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
}));
server.registerTool('test_audio_content', { description: 'Audio content', inputSchema: none }, () => ({
  content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
}));
server.registerTool(
  'test_embedded_resource',
  { description: 'Embedded resource', inputSchema: none },
  () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }),
);
server.registerTool(
  'test_multiple_content_types',
  { description: 'Text, image and resource in one result', inputSchema: none },
  () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }),
);
server.registerTool(
  'test_tool_with_logging',
  { description: 'Emits log messages while it runs', inputSchema: none },
  async (_args, ctx) => {
    for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
      await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
      await sleep(20);
    }
    return text('Tool with logging executed successfully');
  },
);
server.registerTool(
  'test_tool_with_progress',
  { description: 'Reports progress', inputSchema: none },
  async (_args, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken ?? 0;
    for (const progress of [0, 50, 100]) {
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
      });
      await sleep(20);
    }
    return text(String(progressToken));
  },
);
server.registerTool('test_error_handling', { description: 'Always fails', inputSchema: none }, () => {
  throw new Error('This tool intentionally returns an error for testing');
});
server.registerTool(
  'test_sampling',
  { description: 'Asks the client for an LLM completion', inputSchema: z.object({ prompt: z.string() }) },
  async ({ prompt }, ctx) => {
    const result = await ctx.mcpReq.requestSampling({
      messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
      maxTokens: 100,
    });
    const content = result.content;
    const reply = !Array.isArray(content) && content.type === 'text' ? content.text : 'No response';
    return text(`LLM response: ${reply}`);
  },
);

/** Elicitation tools: one request of `schema`, the answer echoed back. */
function elicitTool(name: string, message: string, schema: Record<string, unknown>): void {
  const input = z.object({ message: z.string().optional() });
  server.registerTool(
    name,
    { description: `Elicitation: ${message}`, inputSchema: input },
    async (args, ctx) => {
      const result = await ctx.mcpReq.elicitInput({
        mode: 'form',
        message: args.message ?? message,
        requestedSchema: { type: 'object', properties: schema, required: [] } as never,
      });
      return text(`User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
  );
}
elicitTool('test_elicitation', 'Please respond', {
  response: { type: 'string', description: "User's response" },
});
elicitTool('test_elicitation_sep1034_defaults', 'Please review and update the form fields with defaults', {
  name: { type: 'string', description: 'User name', default: 'John Doe' },
  age: { type: 'integer', description: 'User age', default: 30 },
  score: { type: 'number', description: 'User score', default: 95.5 },
  status: {
    type: 'string',
    description: 'User status',
    enum: ['active', 'inactive', 'pending'],
    default: 'active',
  },
  verified: { type: 'boolean', description: 'Verification status', default: true },
});
elicitTool('test_elicitation_sep1330_enums', 'Please select options from the enum fields', {
  untitledSingle: {
    type: 'string',
    description: 'Select one option',
    enum: ['option1', 'option2', 'option3'],
  },
  titledSingle: {
    type: 'string',
    description: 'Select one option with titles',
    oneOf: [
      { const: 'value1', title: 'First Option' },
      { const: 'value2', title: 'Second Option' },
      { const: 'value3', title: 'Third Option' },
    ],
  },
  legacyEnum: {
    type: 'string',
    description: 'Select one option (legacy)',
    enum: ['opt1', 'opt2', 'opt3'],
    enumNames: ['Option One', 'Option Two', 'Option Three'],
  },
  untitledMulti: {
    type: 'array',
    description: 'Select multiple options',
    minItems: 1,
    maxItems: 3,
    items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
  },
  titledMulti: {
    type: 'array',
    description: 'Select multiple options with titles',
    minItems: 1,
    maxItems: 3,
    items: {
      anyOf: [
        { const: 'value1', title: 'First Choice' },
        { const: 'value2', title: 'Second Choice' },
        { const: 'value3', title: 'Third Choice' },
      ],
    },
  },
});

// SEP-1613: the listed input schema must reach the client with `$schema`, `$defs` and
// `additionalProperties` intact, so it is given as raw JSON Schema, not derived from zod.
server.registerTool(
  'json_schema_2020_12_tool',
  {
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: fromJsonSchema<Record<string, unknown>>({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
      },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    }),
  },
  (args: unknown) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
);

server.registerResource(
  'static-text',
  'test://static-text',
  { title: 'Static Text Resource', description: 'A static text resource', mimeType: 'text/plain' },
  () => ({
    contents: [
      {
        uri: 'test://static-text',
        mimeType: 'text/plain',
        text: 'This is the content of the static text resource.',
      },
    ],
  }),
);
server.registerResource(
  'static-binary',
  'test://static-binary',
  { title: 'Static Binary Resource', description: 'A static PNG', mimeType: 'image/png' },
  () => ({ contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }] }),
);
server.registerResource(
  'template',
  new ResourceTemplate('test://template/{id}/data', { list: undefined }),
  { title: 'Resource Template', description: 'Parameter substitution', mimeType: 'application/json' },
  (uri, variables) => ({
    contents: [
      {
        uri: uri.toString(),
        mimeType: 'application/json',
        text: JSON.stringify({
          id: variables.id,
          templateTest: true,
          data: `Data for ID: ${String(variables.id)}`,
        }),
      },
    ],
  }),
);
server.registerResource(
  'watched-resource',
  'test://watched-resource',
  { title: 'Watched Resource', description: 'A resource to subscribe to', mimeType: 'text/plain' },
  () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }),
);
server.server.setRequestHandler('resources/subscribe', () => ({}));
server.server.setRequestHandler('resources/unsubscribe', () => ({}));
server.server.setRequestHandler('logging/setLevel', () => ({}));
server.server.setRequestHandler('completion/complete', () => ({
  completion: { values: [], total: 0, hasMore: false },
}));

server.registerPrompt(
  'test_simple_prompt',
  { title: 'Simple Test Prompt', description: 'No arguments' },
  () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }),
);
server.registerPrompt(
  'test_prompt_with_arguments',
  {
    title: 'Prompt With Arguments',
    description: 'Two required arguments',
    argsSchema: z.object({
      arg1: z.string().describe('First test argument'),
      arg2: z.string().describe('Second test argument'),
    }),
  },
  ({ arg1, arg2 }) => ({
    messages: [
      {
        role: 'user',
        content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
      },
    ],
  }),
);
server.registerPrompt(
  'test_prompt_with_embedded_resource',
  {
    title: 'Prompt With Embedded Resource',
    description: 'Embeds a resource',
    argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
  },
  ({ resourceUri }) => ({
    messages: [
      {
        role: 'user',
        content: {
          type: 'resource',
          resource: {
            uri: resourceUri,
            mimeType: 'text/plain',
            text: 'Embedded resource content for testing.',
          },
        },
      },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ],
  }),
);
server.registerPrompt(
  'test_prompt_with_image',
  { title: 'Prompt With Image', description: 'An image' },
  () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }),
);

await server.connect(new StdioServerTransport());
