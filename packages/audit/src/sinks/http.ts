import type { SiemRecord, Sink } from './record.js';
import { otlpLogsRequest } from './otlp.js';

export interface HttpSinkOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

async function post(url: string, body: string, contentType: string, opts: HttpSinkOptions): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, ...opts.headers },
    body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
}

/** POSTs each batch as JSON Lines (`application/x-ndjson`); any 2xx answer counts as delivered. */
export function httpSink(name: string, opts: HttpSinkOptions): Sink {
  return {
    name,
    send: (records: readonly SiemRecord[]) =>
      post(opts.url, records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'application/x-ndjson', opts),
  };
}

/** OTLP/HTTP logs with the JSON encoding (`/v1/logs` of a collector), one request per batch. */
export function otlpSink(name: string, opts: HttpSinkOptions & { readonly serviceName?: string }): Sink {
  return {
    name,
    send: (records: readonly SiemRecord[]) =>
      post(
        opts.url,
        JSON.stringify(otlpLogsRequest(records, opts.serviceName ?? 'mcpgate')),
        'application/json',
        opts,
      ),
  };
}
