import { randomFillSync } from 'node:crypto';
import type { StepTiming } from '@mcpgate/core';

/**
 * The gateway's own OTLP encoder for the few span shapes a call makes (decision 0005): an
 * ExportTraceServiceRequest straight from the call records, in protobuf (opentelemetry-proto
 * `trace/v1`, `common/v1`, `resource/v1`) or in OTLP/JSON. No span objects, no attribute maps, no
 * intermediate request tree: a step span is mostly bytes copied from fragments encoded once.
 */

/** What one recorded call leaves for the exporter: its spans, as the chain timed them. */
export interface CallRecord {
  /** 32 random bytes: trace id (0–15; the client's when continued), call span id (16–23), upstream span id (24–31). */
  readonly ids: Buffer;
  /** The client's span (8 bytes) when the call continues its trace. */
  readonly parentSpanId: Buffer | undefined;
  /** The client's `tracestate`, normalised; every span of the trace carries it. */
  readonly traceState: string | undefined;
  name: string;
  /** `process.hrtime.bigint()` readings. */
  readonly start: bigint;
  end: bigint;
  /** Call span attributes, key then value (strings only): metadata the gateway resolved. */
  readonly attrs: string[];
  /** `error.type` of the call, when it failed. */
  error: string | undefined;
  /** The chain's step timings and, two per step, their clock readings. */
  readonly steps: StepTiming[];
  readonly stepTimes: bigint[];
  upstream: UpstreamRecord | undefined;
}

export interface UpstreamRecord {
  readonly upstream: string;
  readonly method: string;
  readonly start: bigint;
  end: bigint;
  error: string | undefined;
}

export interface Resource {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** The instrumentation scope: the gateway itself. */
  readonly scopeName: string;
  /** Epoch nanoseconds minus `process.hrtime.bigint()`: turns the chain's readings into span times. */
  readonly clockOffset: bigint;
}

/** Spans in a record: the call, each step, and the upstream round trip when there was one. */
export function spanCount(r: CallRecord): number {
  return 1 + r.steps.length + (r.upstream ? 1 : 0);
}

// OTLP's SpanKind (the API's kind + 1) and status code.
const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_ERROR = 2;
// Span.flags: the W3C trace flags (sampled) plus "is the parent remote known" and "is remote".
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;
const SAMPLED = 0x01;

/** A growable protobuf writer. Nested messages get their length by shifting the body (rarely more than one byte). */
class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(5);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** `field` as bytes, from `src[from, from + len)`. */
  bytesField(field: number, src: Buffer, from: number, len: number): void {
    this.tag(field, 2);
    this.varint(len);
    this.ensure(len);
    for (let i = 0; i < len; i++) this.buf[this.pos + i] = src[from + i]!;
    this.pos += len;
  }

  stringField(field: number, s: string): void {
    this.tag(field, 2);
    const n = s.length;
    if (n < 0x80) {
      // Most strings here are short ASCII (keys, names, ids): copied in JS, no call into C++.
      this.ensure(n + 1);
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        this.buf[at + i] = c;
      }
      if (i === n) {
        this.buf[this.pos] = n;
        this.pos = at + n;
        return;
      }
    }
    const len = Buffer.byteLength(s);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  fixed32(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** Starts a length-delimited field; returns where its body starts (pass to `end`). */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return ++this.pos;
  }

  end(bodyAt: number): void {
    const len = this.pos - bodyAt;
    const n = varintSize(len);
    if (n > 1) {
      this.ensure(n - 1);
      this.buf.copyWithin(bodyAt + n - 1, bodyAt, this.pos);
      this.pos += n - 1;
    }
    let at = bodyAt - 1;
    let v = len;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[at] = v;
  }

  stringAttr(field: number, key: string, value: string): void {
    const kv = this.begin(field);
    this.stringField(1, key);
    const any = this.begin(2);
    this.stringField(1, value);
    this.end(any);
    this.end(kv);
  }
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Encoded once: a string attribute (repeated KeyValue `field`) or a span name, by value. */
class Fragments {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly make: (w: Writer, value: string) => void) {}

  get(value: string): Uint8Array {
    let bytes = this.cache.get(value);
    if (bytes === undefined) {
      const w = new Writer(64);
      this.make(w, value);
      bytes = w.buf.subarray(0, w.pos);
      // Values are step names, phases and verdicts (a closed set); a bound keeps it one anyway.
      if (this.cache.size < 1024) this.cache.set(value, bytes);
    }
    return bytes;
  }
}

const stepAttr = new Fragments((w, v) => w.stringAttr(9, 'mcpgate.step', v));
const phaseAttr = new Fragments((w, v) => w.stringAttr(9, 'mcpgate.step.phase', v));
const verdictAttr = new Fragments((w, v) => w.stringAttr(9, 'mcpgate.step.verdict', v));
const stepNames = new Map<string, Fragments>();

function stepName(step: string): Fragments {
  let f = stepNames.get(step);
  if (f === undefined) {
    f = new Fragments((w, phase) => w.stringField(5, `${step} ${phase}`));
    stepNames.set(step, f);
  }
  return f;
}

/**
 * Span ids of the spans nobody else refers to (steps), copied into the encoding from CSPRNG bytes
 * drawn 4 KiB at a time (each byte used once).
 */
const RANDOM = Buffer.allocUnsafeSlow(4096);
let randomAt = RANDOM.length;

function randomSpanId(): number {
  if (randomAt + 8 > RANDOM.length) {
    randomFillSync(RANDOM);
    randomAt = 0;
  }
  const at = randomAt;
  randomAt += 8;
  return at;
}

/**
 * Encodes ended calls as they come (the records are garbage a moment after the call, never
 * promoted), and hands out an ExportTraceServiceRequest of everything added since the last one.
 */
export interface SpanEncoder {
  /** Spans added since the last `take`. */
  readonly spans: number;
  add(record: CallRecord): void;
  take(): Uint8Array;
}

/** OTLP protobuf. */
export function protobufEncoder(res: Resource): SpanEncoder {
  const w = new Writer(64 * 1024);
  // ResourceSpans.resource and ScopeSpans.scope, the same for every request.
  const head = new Writer(256);
  const resource = head.begin(1);
  head.stringAttr(1, 'service.name', res.serviceName);
  head.stringAttr(1, 'service.version', res.serviceVersion);
  head.end(resource);
  const resourceBytes = Buffer.from(head.buf.subarray(0, head.pos));
  head.pos = 0;
  const scope = head.begin(1);
  head.stringField(1, res.scopeName);
  head.stringField(2, res.serviceVersion);
  head.end(scope);
  const scopeBytes = Buffer.from(head.buf.subarray(0, head.pos));
  let spans = 0;
  return {
    get spans() {
      return spans;
    },
    add(r) {
      spans += spanCount(r);
      writeSpans(w, r, res.clockOffset);
    },
    take() {
      // ExportTraceServiceRequest { 1: ResourceSpans { 1: resource, 2: ScopeSpans { 1: scope, 2: spans… } } }
      const scopeSpansLen = scopeBytes.length + w.pos;
      const resourceSpansLen = resourceBytes.length + 1 + varintSize(scopeSpansLen) + scopeSpansLen;
      const out = new Writer(1 + varintSize(resourceSpansLen) + resourceSpansLen);
      out.tag(1, 2);
      out.varint(resourceSpansLen);
      out.raw(resourceBytes);
      out.tag(2, 2);
      out.varint(scopeSpansLen);
      out.raw(scopeBytes);
      out.raw(w.buf.subarray(0, w.pos));
      w.pos = 0;
      spans = 0;
      return out.buf;
    },
  };
}

/** A call's spans, each a ScopeSpans.spans field (2). */
function writeSpans(w: Writer, r: CallRecord, clockOffset: bigint): void {
  const ids = r.ids;
  const remote = r.parentSpanId !== undefined;
  // The call (SERVER).
  let span = w.begin(2);
  w.bytesField(1, ids, 0, 16);
  w.bytesField(2, ids, 16, 8);
  if (r.traceState) w.stringField(3, r.traceState);
  if (remote) w.bytesField(4, r.parentSpanId, 0, 8);
  w.stringField(5, r.name);
  w.tag(6, 0);
  w.varint(KIND_SERVER);
  w.fixed64(7, r.start + clockOffset);
  w.fixed64(8, r.end + clockOffset);
  for (let i = 0; i < r.attrs.length; i += 2) w.stringAttr(9, r.attrs[i]!, r.attrs[i + 1]!);
  if (r.error !== undefined) w.stringAttr(9, 'error.type', r.error);
  status(w, r.error);
  w.fixed32(16, SAMPLED | FLAGS_HAS_IS_REMOTE | (remote ? FLAGS_IS_REMOTE : 0));
  w.end(span);
  // The steps (INTERNAL), children of the call.
  for (let s = 0; s < r.steps.length; s++) {
    const t = r.steps[s]!;
    span = w.begin(2);
    w.bytesField(1, ids, 0, 16);
    w.bytesField(2, RANDOM, randomSpanId(), 8);
    if (r.traceState) w.stringField(3, r.traceState);
    w.bytesField(4, ids, 16, 8);
    w.raw(stepName(t.step).get(t.phase));
    w.tag(6, 0);
    w.varint(KIND_INTERNAL);
    w.fixed64(7, r.stepTimes[2 * s]! + clockOffset);
    w.fixed64(8, r.stepTimes[2 * s + 1]! + clockOffset);
    w.raw(stepAttr.get(t.step));
    w.raw(phaseAttr.get(t.phase));
    w.raw(verdictAttr.get(t.verdict));
    w.fixed32(16, SAMPLED | FLAGS_HAS_IS_REMOTE);
    w.end(span);
  }
  // The upstream round trip (CLIENT), child of the call.
  const up = r.upstream;
  if (up) {
    span = w.begin(2);
    w.bytesField(1, ids, 0, 16);
    w.bytesField(2, ids, 24, 8);
    if (r.traceState) w.stringField(3, r.traceState);
    w.bytesField(4, ids, 16, 8);
    w.stringField(5, `upstream ${up.method}`);
    w.tag(6, 0);
    w.varint(KIND_CLIENT);
    w.fixed64(7, up.start + clockOffset);
    w.fixed64(8, up.end + clockOffset);
    w.stringAttr(9, 'mcp.method.name', up.method);
    w.stringAttr(9, 'mcpgate.upstream', up.upstream);
    if (up.error !== undefined) w.stringAttr(9, 'error.type', up.error);
    status(w, up.error);
    w.fixed32(16, SAMPLED | FLAGS_HAS_IS_REMOTE);
    w.end(span);
  }
}

function status(w: Writer, error: string | undefined): void {
  if (error === undefined) return;
  // The status message stays empty: an error message may quote what the call carried.
  const at = w.begin(15);
  w.tag(3, 0);
  w.varint(STATUS_ERROR);
  w.end(at);
}

type JsonAttr = { key: string; value: { stringValue: string } };
const attr = (key: string, value: string): JsonAttr => ({ key, value: { stringValue: value } });
const stepAttrs = new Map<string, JsonAttr[]>();

/** A step span's attributes: a closed set of values, built once. */
function stepAttributes(t: StepTiming): JsonAttr[] {
  const key = `${t.step} ${t.phase} ${t.verdict}`;
  let attrs = stepAttrs.get(key);
  if (attrs === undefined) {
    attrs = [
      attr('mcpgate.step', t.step),
      attr('mcpgate.step.phase', t.phase),
      attr('mcpgate.step.verdict', t.verdict),
    ];
    if (stepAttrs.size < 1024) stepAttrs.set(key, attrs);
  }
  return attrs;
}

const JSON_CLOSE = Buffer.from(']}]}]}');

/** OTLP/JSON: hex ids, decimal-string nanoseconds, numeric enums. */
export function jsonEncoder(res: Resource): SpanEncoder {
  const head = JSON.stringify({
    resource: {
      attributes: [attr('service.name', res.serviceName), attr('service.version', res.serviceVersion)],
    },
  }).slice(0, -1);
  const scope = JSON.stringify({ name: res.scopeName, version: res.serviceVersion });
  const open = Buffer.from(`{"resourceSpans":[${head},"scopeSpans":[{"scope":${scope},"spans":`);
  // The spans so far, comma-separated UTF-8: written as they come, no string kept alive.
  const w = new Writer(256 * 1024);
  let spans = 0;
  const ns = (t: bigint): string => String(t + res.clockOffset);
  return {
    get spans() {
      return spans;
    },
    add(r) {
      spans += spanCount(r);
      const ids = r.ids;
      const traceId = ids.toString('hex', 0, 16);
      const traceState = r.traceState;
      const callId = ids.toString('hex', 16, 24);
      const remote = r.parentSpanId !== undefined;
      const attributes: JsonAttr[] = [];
      for (let i = 0; i < r.attrs.length; i += 2) attributes.push(attr(r.attrs[i]!, r.attrs[i + 1]!));
      if (r.error !== undefined) attributes.push(attr('error.type', r.error));
      const list: unknown[] = [
        {
          traceId,
          spanId: callId,
          traceState,
          parentSpanId: remote ? r.parentSpanId.toString('hex') : undefined,
          name: r.name,
          kind: KIND_SERVER,
          startTimeUnixNano: ns(r.start),
          endTimeUnixNano: ns(r.end),
          attributes,
          status: r.error !== undefined ? { code: STATUS_ERROR } : undefined,
          flags: SAMPLED | FLAGS_HAS_IS_REMOTE | (remote ? FLAGS_IS_REMOTE : 0),
        },
      ];
      for (let s = 0; s < r.steps.length; s++) {
        const t = r.steps[s]!;
        const at = randomSpanId();
        list.push({
          traceId,
          spanId: RANDOM.toString('hex', at, at + 8),
          traceState,
          parentSpanId: callId,
          name: `${t.step} ${t.phase}`,
          kind: KIND_INTERNAL,
          startTimeUnixNano: ns(r.stepTimes[2 * s]!),
          endTimeUnixNano: ns(r.stepTimes[2 * s + 1]!),
          attributes: stepAttributes(t),
          flags: SAMPLED | FLAGS_HAS_IS_REMOTE,
        });
      }
      const up = r.upstream;
      if (up) {
        const attributes = [attr('mcp.method.name', up.method), attr('mcpgate.upstream', up.upstream)];
        if (up.error !== undefined) attributes.push(attr('error.type', up.error));
        list.push({
          traceId,
          spanId: ids.toString('hex', 24, 32),
          traceState,
          parentSpanId: callId,
          name: `upstream ${up.method}`,
          kind: KIND_CLIENT,
          startTimeUnixNano: ns(up.start),
          endTimeUnixNano: ns(up.end),
          attributes,
          status: up.error !== undefined ? { code: STATUS_ERROR } : undefined,
          flags: SAMPLED | FLAGS_HAS_IS_REMOTE,
        });
      }
      // Undefined members are left out by JSON.stringify. The first call's `[` opens the spans
      // array; a later call's becomes the comma between; each call's `]` is dropped (take() closes).
      const json = JSON.stringify(list);
      const start = w.pos;
      w.ensure(json.length * 3);
      const n = w.buf.write(json, start, 'utf8');
      if (start > 0) w.buf[start] = 0x2c;
      w.pos = start + n - 1;
    },
    take() {
      const body = Buffer.concat([open, w.buf.subarray(0, w.pos), JSON_CLOSE]);
      w.pos = 0;
      spans = 0;
      return body;
    },
  };
}
