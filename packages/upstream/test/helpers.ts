import {
  ANONYMOUS,
  type CallLink,
  type CallIO,
  type JsonObject,
  type Logger,
  type SessionInfo,
  type UpstreamEvent,
  type UpstreamSpec,
} from '@mcpgate/core';
import type { McpUpstreamPool } from '../src/pool.js';

export function stdioSpec(
  name: string,
  command: string,
  args: string[],
  over: Partial<UpstreamSpec> = {},
): UpstreamSpec {
  return baseSpec(name, { transport: 'stdio', command, args, ...over });
}

export function baseSpec(name: string, over: Partial<UpstreamSpec>): UpstreamSpec {
  return {
    name,
    prefix: name,
    transport: 'stdio',
    args: [],
    env: {},
    headers: {},
    sharing: 'shared',
    era: 'auto',
    requestTimeoutMs: 20_000,
    startTimeoutMs: 15_000,
    restart: { maxRestarts: 3, initialDelayMs: 100, maxDelayMs: 1000 },
    maxMessageBytes: 4 * 1024 * 1024,
    ...over,
  };
}

export function session(id: string): SessionInfo {
  return { id, face: 'stdio', era: 'legacy', identity: ANONYMOUS, startedAt: new Date() };
}

export interface RecordingIO extends CallIO {
  readonly requests: Array<{ method: string; params: JsonObject | undefined }>;
}

/** Stands in for a downstream client: answers server→client requests and records them. */
export function recordingIO(
  capabilities: JsonObject | undefined,
  answer: (method: string, params: JsonObject | undefined) => JsonObject,
): RecordingIO {
  const requests: Array<{ method: string; params: JsonObject | undefined }> = [];
  return {
    requests,
    clientCapabilities: capabilities,
    progress: () => Promise.resolve(),
    request: (method, params) => {
      requests.push({ method, params });
      return Promise.resolve(answer(method, params));
    },
  };
}

/** The port a gateway call hands the upstream package, answering through `io` (no chain here). */
export function callLink(s: SessionInfo, io: CallIO): CallLink {
  return {
    correlationId: `c-${Math.random().toString(36).slice(2)}`,
    sessionId: s.id,
    clientCapabilities: io.clientCapabilities,
    ask: (method, params, signal) => io.request(method, params, signal),
  };
}

export interface CapturingLogger extends Logger {
  readonly records: Array<{ level: string; obj: Record<string, unknown>; msg?: string }>;
}

export function capturingLogger(
  bindings: Record<string, unknown> = {},
  records: CapturingLogger['records'] = [],
): CapturingLogger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      records.push({
        level,
        obj: { ...bindings, ...(obj as Record<string, unknown>) },
        ...(msg === undefined ? {} : { msg }),
      });
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b) => capturingLogger({ ...bindings, ...b }, records),
  };
}

export function eventsOf(pool: McpUpstreamPool): UpstreamEvent[] {
  const events: UpstreamEvent[] = [];
  pool.onEvent((e) => events.push(e));
  return events;
}

export async function waitFor<T>(
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function textOf(result: JsonObject): string {
  const content = result.content as Array<{ type: string; text?: string }> | undefined;
  return (content ?? []).map((c) => c.text ?? '').join('');
}

export const signal = (): AbortSignal => new AbortController().signal;
