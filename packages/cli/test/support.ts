import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parseStrictJsonLine } from './strict-json.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(REPO, 'packages', 'cli', 'bin', 'mcpgate.js');

/** Writes a gateway config into a fresh temp dir and returns its path. */
export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'mcpgate-e2e-'))): string {
  const path = join(dir, 'mcpgate.yaml');
  writeFileSync(path, yaml);
  return path;
}

export interface Connected {
  readonly client: Client;
  readonly stderr: string[];
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly era?: 'legacy' | 'modern';
  readonly capabilities?: Record<string, unknown>;
  readonly env?: Record<string, string>;
  /** The gateway's working directory (default: this process's), as a client's project directory. */
  readonly cwd?: string;
  readonly setup?: (client: Client) => void;
  /** Called when the client learns the tool list changed (legacy notification or modern subscriptions/listen). */
  readonly onToolsChanged?: () => void;
}

/** Spawns the built CLI (`mcpgate stdio`) the way an MCP host does and connects a v2 SDK client. */
export async function connectGateway(configPath: string, opts: ConnectOptions = {}): Promise<Connected> {
  const client = new Client(
    { name: `e2e-${opts.era ?? 'legacy'}`, version: '1.0.0' },
    {
      capabilities: opts.capabilities ?? {},
      ...(opts.era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(opts.onToolsChanged
        ? { listChanged: { tools: { onChanged: () => opts.onToolsChanged?.() } } }
        : {}),
    },
  );
  opts.setup?.(client);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'stdio', '--config', configPath],
    stderr: 'pipe',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const stderr: string[] = [];
  transport.stderr?.on('data', (d: Buffer) => stderr.push(...d.toString('utf8').split('\n').filter(Boolean)));
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`could not connect to the gateway: ${String(err)}\n${stderr.join('\n')}`, { cause: err });
  }
  return {
    client,
    stderr,
    close: async () => {
      await client.close();
      assertLogLines(stderr);
    },
  };
}

/**
 * Every line a gateway writes on a non-terminal stderr is one strict JSON object (no repeated
 * keys): checked for every gateway the end-to-end tests start through this module.
 */
export function assertLogLines(lines: readonly string[]): void {
  for (const line of lines) parseStrictJsonLine(line);
}

export interface RawGateway {
  readonly child: ChildProcessWithoutNullStreams;
  send(line: string): void;
  /** Next JSON message on stdout (every stdout line must be JSON: stdout belongs to the protocol). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  readonly stderr: string[];
  close(): Promise<number | null>;
}

/** Spawns `mcpgate stdio` with raw pipes, for wire-level tests (malformed frames, ids). */
export function rawGateway(configPath: string, env?: Record<string, string>): RawGateway {
  const child = spawn(process.execPath, [CLI, 'stdio', '--config', configPath], {
    stdio: 'pipe',
    ...(env && { env: { ...process.env, ...env } }),
  });
  const queue: Record<string, unknown>[] = [];
  const waiters: Array<(m: Record<string, unknown>) => void> = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  child.stderr.on('data', (d: Buffer) => stderr.push(...d.toString('utf8').split('\n').filter(Boolean)));
  return {
    child,
    stderr,
    send: (line) => child.stdin.write(line.endsWith('\n') ? line : line + '\n'),
    next: (timeoutMs = 15_000) => {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no message within ${timeoutMs} ms; stderr:\n${stderr.join('\n')}`)),
          timeoutMs,
        );
        waiters.push((msg) => {
          clearTimeout(t);
          resolve(msg);
        });
      });
    },
    close: () =>
      new Promise((resolve, reject) => {
        child.once('exit', (code) => {
          try {
            assertLogLines(stderr);
            resolve(code);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        child.stdin.end();
      }),
  };
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}

export async function waitFor<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
