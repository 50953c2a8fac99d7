import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as OTLP/JSON carries it (the fields the tests read). */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly status?: { readonly code?: number };
  readonly service: string;
}

export interface OtlpReceiver {
  /** The OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly url: string;
  /** Every export request's raw body, as received (to search for what must not be there). */
  readonly raw: string[];
  /** Every export request's headers. */
  readonly headers: IncomingHttpHeaders[];
  /** Every export request's content type (`application/x-protobuf` or `application/json`). */
  readonly contentTypes: string[];
  readonly spans: OtlpSpan[];
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };

function valueOf(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  throw new Error(`unexpected OTLP attribute value ${JSON.stringify(v)}`);
}

function attrs(list: readonly KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

interface ExportRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
  }>;
}

/** Protobuf wire reading: just enough of it for OTLP's ExportTraceServiceRequest. */
function fields(buf: Buffer): Array<{ no: number; wire: number; value: bigint | Buffer }> {
  const out: Array<{ no: number; wire: number; value: bigint | Buffer }> = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      out.push({ no, wire, value: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) {
      out.push({ no, wire, value: buf.subarray(i, i + 8) });
      i += 8;
    } else if (wire === 5) {
      out.push({ no, wire, value: buf.subarray(i, i + 4) });
      i += 4;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return out;
}

const sub = (buf: Buffer, no: number): Buffer[] =>
  fields(buf)
    .filter((f) => f.no === no && f.wire === 2)
    .map((f) => f.value as Buffer);
const one = (buf: Buffer, no: number): Buffer | undefined => sub(buf, no)[0];

/** opentelemetry.proto.common.v1.KeyValue → the JSON mapping's shape. */
function keyValue(buf: Buffer): KeyValue {
  const any = one(buf, 2) ?? Buffer.alloc(0);
  const f = fields(any)[0];
  const value: AnyValue =
    f === undefined
      ? {}
      : f.no === 1
        ? { stringValue: (f.value as Buffer).toString('utf8') }
        : f.no === 2
          ? { boolValue: f.value === 1n }
          : f.no === 3
            ? { intValue: Number(f.value) }
            : { doubleValue: (f.value as Buffer).readDoubleLE(0) };
  return { key: one(buf, 1)?.toString('utf8') ?? '', value };
}

/** ExportTraceServiceRequest (protobuf) → the same shape the JSON encoding has. */
function decodeExportRequest(buf: Buffer): ExportRequest {
  return {
    resourceSpans: sub(buf, 1).map((rs) => ({
      resource: { attributes: sub(one(rs, 1) ?? Buffer.alloc(0), 1).map(keyValue) },
      scopeSpans: sub(rs, 2).map((ss) => ({
        spans: sub(ss, 2).map((sp) => {
          const status = one(sp, 15);
          const code = status ? fields(status).find((f) => f.no === 3)?.value : undefined;
          return {
            traceId: one(sp, 1)?.toString('hex'),
            spanId: one(sp, 2)?.toString('hex'),
            parentSpanId: one(sp, 4)?.toString('hex') ?? '',
            name: one(sp, 5)?.toString('utf8'),
            kind: Number(fields(sp).find((f) => f.no === 6)?.value ?? 0n),
            attributes: sub(sp, 9).map(keyValue),
            status: { code: code === undefined ? 0 : Number(code) },
          };
        }),
      })),
    })),
  };
}

/**
 * A real OTLP/HTTP receiver (what a collector does): accepts `POST /v1/traces` in either encoding
 * — `application/x-protobuf` (decoded by the wire format above) or `application/json` — turns the
 * ExportTraceServiceRequest into spans and answers 200. Anything else is a 404/415, so a wrong
 * exporter fails loudly.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const raw: string[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const type = req.headers['content-type'] ?? '';
      const bytes = Buffer.concat(chunks);
      let body: ExportRequest;
      if (type.startsWith('application/json')) body = JSON.parse(bytes.toString('utf8')) as ExportRequest;
      else if (type.startsWith('application/x-protobuf')) body = decodeExportRequest(bytes);
      else {
        res.writeHead(415).end();
        return;
      }
      // Both encodings carry strings as UTF-8: searching the text finds any planted value.
      raw.push(bytes.toString('utf8'));
      headers.push(req.headers);
      contentTypes.push(type);
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attrs(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: String(s.traceId),
              spanId: String(s.spanId),
              ...(typeof s.parentSpanId === 'string' && s.parentSpanId !== ''
                ? { parentSpanId: s.parentSpanId }
                : {}),
              name: String(s.name),
              kind: Number(s.kind),
              attributes: attrs(s.attributes as KeyValue[] | undefined),
              ...(s.status ? { status: s.status } : {}),
              service,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    raw,
    headers,
    spans,
    contentTypes,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface SeenRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RecordingProxy {
  /** The upstream's URL as seen through the proxy (same path). */
  readonly url: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A plain HTTP reverse proxy in front of a real upstream, recording each request's headers and
 * body: proof of what the gateway sent over the wire. Responses (SSE streams included) are piped
 * through as they come.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', headers: req.headers, body: body.toString('utf8') });
      const up = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${to.pathname}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A W3C traceparent of a client's own (sampled) span. */
export function clientTraceparent(): { traceparent: string; traceId: string; spanId: string } {
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  const traceId = hex(32);
  const spanId = hex(16);
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}
