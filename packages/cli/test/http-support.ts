import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/client';
import { createMcpHandler, Server as McpServer } from '@modelcontextprotocol/server';
import { assertLogLines, CLI } from './support.js';

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Every stderr line so far (pino JSON). */
  readonly stderr: string[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `mcpgate serve` and resolves once it logged its URL (or rejects with its stderr). One
 * worker unless `args` say `--workers`: the default (`auto`, one per CPU) would fork every gateway
 * of the suite on Postgres into several processes, slower to start and stop, for no test's sake.
 */
export function startServe(
  configPath: string,
  env: Record<string, string> = {},
  args: string[] = [],
  timeoutMs = 60_000,
): Promise<ServeProcess> {
  const workers = args.includes('--workers') ? [] : ['--workers', '1'];
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath, ...workers, ...args], {
    stdio: 'pipe',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  const stderr: string[] = [];
  let exit: Promise<number | null> | undefined;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcpgate serve did not start within ${timeoutMs} ms:\n${stderr.join('\n')}`));
    }, timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n').filter(Boolean)) {
        stderr.push(line);
        const m = /"msg":"listening on (http[^"]+)"/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({
            url: m[1]!,
            child,
            stderr,
            stop: (signal = 'SIGTERM') => {
              // Every line it logged must be one strict JSON object (no repeated keys).
              exit ??= (child.kill(signal), exited.then((c) => (assertLogLines(stderr), c)));
              return exit;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`mcpgate serve exited with ${code}:\n${stderr.join('\n')}`));
    });
  });
}

export function newClient(era: 'legacy' | 'modern', capabilities: Record<string, unknown> = {}): Client {
  return new Client(
    { name: `http-${era}`, version: '1.0.0' },
    { capabilities, ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}) },
  );
}

/** Initializes a legacy session by hand and returns its `Mcp-Session-Id`. */
export async function rawInitialize(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  await res.text();
  const sid = res.headers.get('mcp-session-id');
  if (res.status !== 200 || !sid) throw new Error(`initialize answered ${res.status} without a session id`);
  return sid;
}

export interface RecordingUpstream {
  readonly url: string;
  /** Headers of every request the upstream received. */
  readonly seen: Array<IncomingMessage['headers']>;
  close(): Promise<void>;
}

/**
 * A tiny Streamable HTTP MCP server (SDK, stateless legacy + modern) with one `echo` tool that
 * records the headers of every request it receives — to prove what the gateway sends upstream.
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const handler = createMcpHandler(() => {
    const s = new McpServer({ name: 'recorder', version: '1.0.0' }, { capabilities: { tools: {} } });
    s.setRequestHandler('tools/list', () => ({
      tools: [
        {
          name: 'echo',
          description: 'echoes',
          inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
        },
      ],
    }));
    s.setRequestHandler('tools/call', (req) => ({
      content: [
        {
          type: 'text',
          text: `echo: ${String((req.params.arguments as { text?: unknown } | undefined)?.text)}`,
        },
      ],
    }));
    return s;
  });
  const seen: Array<IncomingMessage['headers']> = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const body = Buffer.concat(chunks).toString('utf8');
      const response = await handler.fetch(
        new Request(`http://127.0.0.1${req.url}`, {
          method: req.method ?? 'GET',
          headers,
          ...(req.method === 'POST' ? { body } : {}),
        }),
      );
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => (out[k] = v));
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
