#!/usr/bin/env node
// The client side of scripts/conformance.mjs: the suite runs this with the scenario's server URL as
// the last argument and the scenario in $MCP_CONFORMANCE_SCENARIO.
//   gateway URL — `mcpgate stdio` with URL as its only upstream; an MCP host talks to the gateway.
//   connect URL — `mcpgate login URL` (auth scenarios) and then `mcpgate connect URL`; the host talks
//                 to the bridge.
// The host part is an ordinary SDK client that lists the tools and calls each, answering elicitation
// with the form's defaults and sampling with a canned reply (what a person at a host would do). The
// login's browser step is played by following the authorization server's redirects to the
// loopback callback, as a browser with a remembered consent would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'packages', 'cli', 'bin', 'mcpgate.js');
const [mode] = process.argv.slice(2);
const url = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');
const CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';
const dir = mkdtempSync(join(tmpdir(), 'mcpgate-conformance-client-'));
const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };

/** A browser that follows redirects until the loopback callback, which it then visits. */
async function playBrowser(authorizationUrl) {
  let next = authorizationUrl;
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(next, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (!location) return;
    next = new URL(location, next).href;
    if (new URL(next).hostname === '127.0.0.1' && new URL(next).pathname === '/callback') {
      await fetch(next);
      return;
    }
  }
}

/** Plays the browser for every authorization URL a child prints on stderr (login, connect's step-up). */
function watchForLogins(stream) {
  let text = '';
  const played = new Set();
  stream.on('data', (d) => {
    process.stderr.write(d);
    text += d;
    for (const m of text.matchAll(/^\s+(https?:\/\/\S+)$/gm)) {
      if (played.has(m[1])) continue;
      played.add(m[1]);
      playBrowser(m[1]).catch((err) => process.stderr.write(`browser: ${err}\n`));
    }
  });
}

/** `mcpgate login URL`, with the authorization step played by `playBrowser`. */
function login() {
  // Like the SDK's reference client, offer a client ID metadata document URL; it is used only where
  // the authorization server advertises support for them.
  const args = [CLI, 'login', url, '--no-browser', '--client-metadata-url', CLIENT_METADATA_URL];
  if (context.client_id) args.push('--client-id', context.client_id);
  if (context.client_secret) args.push('--client-secret-env', 'CONFORMANCE_CLIENT_SECRET');
  const child = spawn(process.execPath, args, {
    env: { ...env, ...(context.client_secret && { CONFORMANCE_CLIENT_SECRET: context.client_secret }) },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  watchForLogins(child.stderr);
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mcpgate login exited ${code}`)))),
  );
}

/**
 * The authorization server a protected scenario server names (its 401's `resource_metadata`, RFC
 * 9728), for `upstreams.<name>.oauth.issuer`: the gateway's service grant is configured with its
 * issuer, as an operator would.
 */
async function issuerOf(serverUrl) {
  const res = await fetch(serverUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
  });
  const challenge = res.headers.get('www-authenticate') ?? '';
  const metadataUrl =
    /resource_metadata="([^"]+)"/.exec(challenge)?.[1] ??
    `${new URL(serverUrl).origin}/.well-known/oauth-protected-resource${new URL(serverUrl).pathname}`;
  const metadata = await (await fetch(metadataUrl)).json();
  return metadata.authorization_servers[0];
}

/** `upstreams.scenario.oauth` for the client-credentials scenarios: a service identity of the gateway. */
async function serviceOAuth() {
  if (!scenario.startsWith('auth/client-credentials-')) return [];
  const lines = [
    '    oauth:',
    '      grant: client_credentials',
    `      issuer: ${JSON.stringify(await issuerOf(url))}`,
    `      clientId: ${JSON.stringify(context.client_id)}`,
  ];
  if (context.private_key_pem) {
    writeFileSync(join(dir, 'client-key.pem'), context.private_key_pem, { mode: 0o600 });
    lines.push('      privateKey: ${file:client-key.pem}');
    if (context.signing_algorithm) lines.push(`      privateKeyAlgorithm: ${context.signing_algorithm}`);
  } else {
    writeFileSync(join(dir, 'client-secret'), context.client_secret, { mode: 0o600 });
    lines.push('      clientSecret: ${file:client-secret}');
  }
  return lines;
}

async function transport() {
  if (mode === 'gateway') {
    const config = join(dir, 'mcpgate.yaml');
    writeFileSync(
      config,
      [
        'naming: { prefix: none }',
        'policy: { default: allow, upstreamRequests: { sampling: allow } }',
        'logging: { level: warn }',
        `store: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
        'upstreams:',
        '  scenario:',
        `    url: ${JSON.stringify(url)}`,
        ...(await serviceOAuth()),
        '',
      ].join('\n'),
    );
    return new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'stdio', '--config', config],
      env,
      stderr: 'inherit',
    });
  }
  // Scenarios without authorization need no login; the bridge then sends a placeholder key that
  // those servers ignore (connect always sends a credential).
  const auth = scenario.startsWith('auth/') ? [] : ['--api-key-env', 'CONFORMANCE_PLACEHOLDER'];
  const bridge = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'connect', url, ...auth],
    env: { ...env, CONFORMANCE_PLACEHOLDER: 'none' },
    stderr: 'pipe',
  });
  watchForLogins(bridge.stderr);
  return bridge;
}

function defaults(schema) {
  const out = {};
  for (const [k, v] of Object.entries(schema?.properties ?? {})) if (v && 'default' in v) out[k] = v.default;
  return out;
}

async function main() {
  if (mode !== 'gateway' && mode !== 'connect')
    throw new Error('usage: conformance-client.mjs gateway|connect URL');
  if (mode === 'connect' && scenario.startsWith('auth/')) await login();
  const client = new Client(
    { name: 'mcpgate-conformance-host', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} }, sampling: {} } },
  );
  client.setRequestHandler('elicitation/create', (req) => ({
    action: 'accept',
    content: defaults(req.params.requestedSchema),
  }));
  client.setRequestHandler('sampling/createMessage', () => ({
    role: 'assistant',
    model: 'conformance',
    content: { type: 'text', text: 'ok' },
  }));
  await client.connect(await transport());
  // sse-retry takes the first GET after the tools/call POST for the client's reconnection. The
  // bridge's SDK transport opens its standalone GET stream on its own once the session is up; on
  // a loaded machine that GET could start after the host's first call and be timed as a
  // reconnection made too early. A host that lets the connection settle keeps the two apart.
  if (scenario === 'sse-retry') await new Promise((r) => setTimeout(r, 500));
  try {
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const args = tool.name === 'add_numbers' ? { a: 5, b: 3 } : {};
      await client.callTool({ name: tool.name, arguments: args });
    }
  } finally {
    await client.close();
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
