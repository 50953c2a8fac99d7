import type { Logger, SqlClient } from '@mcpgate/core';
import { httpSink, otlpSink } from './http.js';
import { jsonlSink } from './jsonl.js';
import type { Sink } from './record.js';
import { SinkRunner } from './runner.js';

/** One entry of `audit.sinks` as the audit package needs it (durations in ms, references resolved). */
export type SinkConfig =
  | { readonly type: 'jsonl'; readonly path: string; readonly maxBytes?: number; readonly maxFiles?: number }
  | {
      readonly type: 'http' | 'otlp';
      readonly url: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly timeoutMs?: number;
    };

export function createSink(name: string, c: SinkConfig): Sink {
  if (c.type === 'jsonl')
    return jsonlSink(name, {
      path: c.path,
      ...(c.maxBytes !== undefined ? { maxBytes: c.maxBytes } : {}),
      ...(c.maxFiles !== undefined ? { maxFiles: c.maxFiles } : {}),
    });
  const opts = {
    url: c.url,
    ...(c.headers ? { headers: c.headers } : {}),
    ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
  };
  return c.type === 'http' ? httpSink(name, opts) : otlpSink(name, opts);
}

/** A started runner for the configured sinks, or undefined when there is none. */
export function startSinks(
  sql: SqlClient,
  sinks: Readonly<Record<string, SinkConfig>> | undefined,
  opts: { owner: string; logger?: Logger; pollMs?: number; batchSize?: number },
): SinkRunner | undefined {
  const list = Object.entries(sinks ?? {}).map(([name, c]) => createSink(name, c));
  if (list.length === 0) return undefined;
  const runner = new SinkRunner(sql, list, opts);
  runner.start();
  return runner;
}
