import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import { CLI } from '../support.js';

/** Resident memory of a process in bytes (Linux /proc), for the "memory stays bounded" checks. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Every call the hostile upstream received (its HOSTILE_LOG), with what it found in the audit. */
export interface UpstreamSaw {
  readonly name: string;
  readonly nonce?: string;
  readonly recordedBefore?: number;
}

export function upstreamLog(path: string): UpstreamSaw[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as UpstreamSaw);
}

/**
 * Record before execute, from the upstream's side: every call it received carried a nonce, and at
 * the moment it began executing, the committed audit already held that call's request record.
 */
export function expectNothingForwardedWithoutRecord(
  path: string,
  sentNonces: ReadonlySet<string>,
  /** Frames sent whose arguments cannot carry a nonce (a string or an array as `arguments`). */
  withoutNonce = 0,
): number {
  const saw = upstreamLog(path).filter((s) => s.name !== 'crash');
  const unchecked = saw.filter((s) => s.nonce === undefined);
  expect(
    unchecked.length,
    `calls without a nonce: ${JSON.stringify(unchecked.slice(0, 5))}`,
  ).toBeLessThanOrEqual(withoutNonce);
  for (const s of saw) {
    if (s.nonce === undefined) continue;
    expect(sentNonces.has(s.nonce), `upstream received a nonce nobody sent: ${s.nonce}`).toBe(true);
    expect(
      s.recordedBefore,
      `forwarded without a committed request record: ${s.nonce}`,
    ).toBeGreaterThanOrEqual(1);
  }
  return saw.length;
}

/** `mcpgate stdio` with raw byte access and every stdout message collected by id. */
export interface StdioUnderTest {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: string[];
  /** Answers (responses) by id; `null` collects id-null errors. */
  readonly answers: Map<string | number | null, Array<Record<string, unknown>>>;
  /** Lines on stdout that were not JSON (must stay empty: stdout belongs to the protocol). */
  readonly notJson: string[];
  write(bytes: Buffer | string): Promise<void>;
  /** Resolves once every id has at least one answer (or rejects after timeoutMs, naming the missing). */
  waitFor(ids: Iterable<string>, timeoutMs: number): Promise<void>;
  close(): Promise<number | null>;
}

export function startStdio(configPath: string, env: Record<string, string> = {}): StdioUnderTest {
  const child = spawn(process.execPath, [CLI, 'stdio', '--config', configPath], {
    stdio: 'pipe',
    env: { ...process.env, ...env },
  });
  const answers = new Map<string | number | null, Array<Record<string, unknown>>>();
  const notJson: string[] = [];
  const stderr: string[] = [];
  let changed: () => void = () => undefined;
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      notJson.push(line.slice(0, 200));
      return;
    }
    if (!('result' in msg) && !('error' in msg)) return; // notifications and server requests
    const id = (msg.id ?? null) as string | number | null;
    const list = answers.get(id) ?? [];
    list.push(msg);
    answers.set(id, list);
    changed();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr.push(...d.toString('utf8').split('\n').filter(Boolean));
    if (stderr.length > 5000) stderr.splice(0, stderr.length - 5000);
  });
  return {
    child,
    stderr,
    answers,
    notJson,
    write: (bytes) =>
      new Promise((resolve, reject) => {
        child.stdin.write(bytes, (err) => (err ? reject(err) : resolve()));
      }),
    waitFor: (ids, timeoutMs) => {
      const want = [...ids];
      return new Promise((resolve, reject) => {
        const check = () => {
          if (want.every((id) => answers.has(id))) {
            clearTimeout(timer);
            changed = () => undefined;
            resolve();
          }
        };
        const timer = setTimeout(() => {
          const missing = want.filter((id) => !answers.has(id));
          reject(
            new Error(
              `unanswered after ${timeoutMs} ms: ${missing.slice(0, 20).join(', ')} (${missing.length})\n` +
                stderr.slice(-30).join('\n'),
            ),
          );
        }, timeoutMs);
        changed = check;
        check();
      });
    },
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.stdin.end();
      }),
  };
}

export const INIT = {
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
};
