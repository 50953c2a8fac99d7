import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { everythingBin, loopbackPreload, modernHttpServerBin } from './bins.js';

export interface RunningHttpServer {
  /** The MCP endpoint: `/mcp` for streamableHttp, `/sse` for sse — always on 127.0.0.1. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  close(): Promise<void>;
}

export interface StartEverythingHttpOptions {
  readonly transport: 'streamableHttp' | 'sse';
  /** How long to wait for the server to answer (ms). */
  readonly timeoutMs?: number;
  /** A fixed port (e.g. to bring a server back where a client expects it); default: a free one. */
  readonly port?: number;
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns server-everything over HTTP on a free loopback port (bound to 127.0.0.1 only through a
 * preload module) and resolves once the endpoint answers.
 */
export async function startEverythingHttp(opts: StartEverythingHttpOptions): Promise<RunningHttpServer> {
  const path = opts.transport === 'sse' ? '/sse' : '/mcp';
  return startNodeHttpServer(
    ['--import', loopbackPreload(), everythingBin(), opts.transport],
    path,
    {},
    opts,
  );
}

export interface StartModernHttpOptions {
  readonly timeoutMs?: number;
  readonly port?: number;
  /** Extra environment, e.g. `MODERN_TRACE_FILE`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Spawns the modern-era test server over Streamable HTTP on 127.0.0.1 (`/mcp`). */
export async function startModernHttp(opts: StartModernHttpOptions = {}): Promise<RunningHttpServer> {
  return startNodeHttpServer([modernHttpServerBin()], '/mcp', opts.env ?? {}, opts);
}

async function startNodeHttpServer(
  args: string[],
  path: string,
  env: Readonly<Record<string, string>>,
  opts: { readonly timeoutMs?: number; readonly port?: number },
): Promise<RunningHttpServer> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}${path}`;
  const close = () => stop(child);
  try {
    await waitUntilAnswering(url, child, opts.timeoutMs ?? 15_000, () => output);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, port, pid: child.pid ?? -1, close };
}

async function waitUntilAnswering(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`test server exited (${child.exitCode}) before answering at ${url}: ${output()}`);
    }
    try {
      const ac = new AbortController();
      // Any HTTP answer proves the listener is up; the SSE endpoint keeps streaming, so abort it.
      const res = await fetch(url, {
        method: 'GET',
        signal: ac.signal,
        headers: { accept: 'text/event-stream' },
      });
      ac.abort();
      void res.body?.cancel().catch(() => undefined);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`test server did not answer at ${url} within ${timeoutMs} ms: ${output()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
