import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CHAIN_ORDER } from '@mcpgate/core';
import { everythingBin, freePort, startEverythingHttp, type RunningHttpServer } from '@mcpgate/testkit';
import { CLI, connectGateway, textOf, waitFor, writeConfig } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';
import {
  clientTraceparent,
  startOtlpReceiver,
  startRecordingProxy,
  type OtlpReceiver,
  type OtlpSpan,
  type RecordingProxy,
} from './otlp-support.js';

/**
 * Tracing end to end: `mcpgate serve` and `mcpgate stdio` export each call as an OpenTelemetry
 * trace to a real OTLP/HTTP receiver; the client's W3C trace context is continued and passed on to
 * a real HTTP upstream (server-everything over Streamable HTTP, behind a recording proxy).
 */

/** Planted in arguments, upstream credentials and the collector key: none may reach a span. */
const ARG_SECRET = 'sk-live-PLANTEDARG0123456789abcdef';
const UPSTREAM_KEY = 'upstream-PLANTED-KEY-9f8e7d6c';
const OTLP_TOKEN = 'otlp-PLANTED-TOKEN-5a4b3c2d';
const PEPPER = 'pepper-for-tracing-test-0123456789';

const STEP_NAMES = new Set(CHAIN_ORDER.map((p) => p.name));
const SERVER = 2;
const CLIENT = 3;

function tracingYaml(receiver: OtlpReceiver, enabled = true, protocol = 'http/protobuf'): string {
  return `
tracing:
  enabled: ${enabled}
  endpoint: ${receiver.url}
  protocol: ${protocol}
  headers: { authorization: 'Bearer \${env:OTLP_TOKEN}' }
  serviceName: gw-under-test
`;
}

function upstreamsYaml(proxy: RecordingProxy): string {
  return `
upstreams:
  web:
    url: ${proxy.url}
    headers: { x-upstream-key: '\${env:UPSTREAM_KEY}' }
  local:
    command: ${process.execPath}
    args: ['${everythingBin()}', 'stdio']
policy: { default: allow }
store: { dir: ./data }
`;
}

const callSpans = (r: OtlpReceiver, traceId: string): OtlpSpan[] =>
  r.spans.filter((s) => s.traceId === traceId);

/** Waits for the call's SERVER span (it ends last, so its batch holds the others or follows them). */
async function traceOf(r: OtlpReceiver, traceId: string, tool: string): Promise<OtlpSpan[]> {
  await waitFor(
    () => r.spans.some((s) => s.traceId === traceId && s.kind === SERVER && s.name === `tools/call ${tool}`),
    30_000,
    `the trace of ${tool}`,
  );
  return callSpans(r, traceId);
}

/** The shape every traced call must have; returns the call span and the upstream round trip. */
function expectCallTrace(
  spans: OtlpSpan[],
  tool: string,
  parentSpanId: string | undefined,
): { call: OtlpSpan; upstream: OtlpSpan } {
  // Other requests of the client may share its trace (its tools/list): this call's span is one.
  const calls = spans.filter((s) => s.kind === SERVER && s.name === `tools/call ${tool}`);
  expect(calls).toHaveLength(1);
  const call = calls[0]!;
  const children = spans.filter((s) => s.parentSpanId === call.spanId);
  expect(call.parentSpanId).toBe(parentSpanId);
  expect(call.service).toBe('gw-under-test');
  expect(call.attributes['gen_ai.tool.name']).toBe(tool);
  expect(call.attributes['mcpgate.decision']).toBe('allow');
  expect(call.attributes['mcpgate.correlation_id']).toMatch(/\S/);
  expect(call.attributes['mcp.session.id']).toMatch(/\S/);
  const steps = children.filter((s) => s.attributes['mcpgate.step'] !== undefined);
  for (const s of steps) {
    expect(STEP_NAMES.has(String(s.attributes['mcpgate.step']))).toBe(true);
    expect(s.name).toBe(`${s.attributes['mcpgate.step']} ${s.attributes['mcpgate.step.phase']}`);
  }
  const names = steps.map((s) => s.name);
  for (const expected of [
    'route request',
    'policy request',
    'mask-args request',
    'audit-ahead request',
    'mask response',
    'log response',
    'audit response',
  ]) {
    expect(names).toContain(expected);
  }
  // Nothing but steps and the one round trip hangs under the call.
  const ups = children.filter((s) => s.attributes['mcpgate.step'] === undefined);
  expect(ups).toHaveLength(1);
  const upstream = ups[0]!;
  expect(upstream.kind).toBe(CLIENT);
  expect(upstream.name).toBe('upstream tools/call');
  expect(upstream.attributes['mcpgate.upstream']).toBe(tool.split('__')[0]);
  return { call, upstream };
}

/** The proxy's record of the `tools/call` POST that carried `marker` in its arguments. */
function upstreamCall(proxy: RecordingProxy, marker: string) {
  const hit = proxy.seen.find((r) => r.method === 'POST' && r.body.includes(marker));
  if (!hit) throw new Error(`the upstream never received the call carrying ${marker}`);
  return {
    headers: hit.headers,
    meta: (JSON.parse(hit.body) as { params: { _meta?: Record<string, unknown> } }).params._meta,
  };
}

function expectNoSecrets(r: OtlpReceiver, extra: string[] = []): void {
  const all = r.raw.join('\n');
  expect(all.length).toBeGreaterThan(0);
  for (const secret of [ARG_SECRET, UPSTREAM_KEY, OTLP_TOKEN, PEPPER, ...extra]) {
    expect(all).not.toContain(secret);
  }
}

describe('tracing (OTLP/HTTP export, W3C trace context)', () => {
  let everything: RunningHttpServer;
  let proxy: RecordingProxy;
  let receiver: OtlpReceiver;
  const env = () => ({ UPSTREAM_KEY, OTLP_TOKEN, PEPPER });

  beforeAll(async () => {
    everything = await startEverythingHttp({ transport: 'streamableHttp' });
    proxy = await startRecordingProxy(everything.url);
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await proxy?.close();
    await everything?.close();
    await receiver?.close();
  });

  describe('mcpgate serve', () => {
    let gw: ServeProcess;
    let apiKey: string;
    beforeAll(async () => {
      const port = await freePort();
      const configPath = writeConfig(`
${upstreamsYaml(proxy)}
server: { port: ${port} }
auth:
  mode: oauth
  resource: http://127.0.0.1:${port}/mcp
  apiKeys: { enabled: true, pepper: '\${env:PEPPER}' }
${tracingYaml(receiver)}
`);
      const created = spawnSync(
        process.execPath,
        [CLI, 'keys', 'create', '--name', 'tracer', '--config', configPath],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env() }, cwd: dirname(configPath) },
      );
      expect(created.status, created.stderr).toBe(0);
      apiKey = /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(created.stdout)![0];
      gw = await startServe(configPath, env());
    });
    afterAll(async () => {
      await gw?.stop('SIGKILL');
    });

    it("continues the client's traceparent header and passes it on to the HTTP upstream", async () => {
      const parent = clientTraceparent();
      const client = newClient('legacy');
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
          requestInit: { headers: { 'x-api-key': apiKey, traceparent: parent.traceparent } },
        }),
      );
      const marker = `serve-${ARG_SECRET}`;
      const res = await client.callTool({ name: 'web__echo', arguments: { message: marker } });
      expect(textOf(res)).toContain(marker);
      await client.close();

      const spans = await traceOf(receiver, parent.traceId, 'web__echo');
      const { upstream } = expectCallTrace(spans, 'web__echo', parent.spanId);
      // The upstream sees the gateway's round-trip span as its parent, in the same trace — as an
      // HTTP header and in `_meta` (SEP-414).
      const sent = upstreamCall(proxy, marker);
      expect(sent.headers.traceparent).toBe(`00-${parent.traceId}-${upstream.spanId}-01`);
      expect(sent.meta?.traceparent).toBe(sent.headers.traceparent);
      // The gateway's own credential for the upstream went out; it is in no span.
      expect(sent.headers['x-upstream-key']).toBe(UPSTREAM_KEY);
      expect(receiver.contentTypes).toContain('application/x-protobuf');
      // The collector key travelled as a header of the export, never inside it.
      expect(receiver.headers.some((h) => h.authorization === `Bearer ${OTLP_TOKEN}`)).toBe(true);
      expectNoSecrets(receiver, [apiKey, apiKey.split('_')[2]!]);
    });

    it('makes each call one trace of its own when the client sends no trace context', async () => {
      const client = newClient('modern');
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
          requestInit: { headers: { 'x-api-key': apiKey } },
        }),
      );
      const markers = ['first-call', 'second-call'].map((m) => `${m}-${ARG_SECRET}`);
      for (const m of markers) await client.callTool({ name: 'web__echo', arguments: { message: m } });
      await client.close();
      const traceIds = markers.map(
        (m) => /^00-([0-9a-f]{32})-/.exec(String(upstreamCall(proxy, m).headers.traceparent))![1]!,
      );
      expect(new Set(traceIds).size).toBe(2);
      for (const id of traceIds) {
        const spans = await traceOf(receiver, id, 'web__echo');
        expect(spans.filter((s) => s.kind === SERVER)).toHaveLength(1);
        expectCallTrace(spans, 'web__echo', undefined);
      }
      expectNoSecrets(receiver, [apiKey]);
    });

    it('records a refusal with its error code and no upstream round trip', async () => {
      const parent = clientTraceparent();
      const res = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'x-api-key': apiKey,
          traceparent: parent.traceparent,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'web__no-such-tool',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'web__no-such-tool',
            arguments: { message: ARG_SECRET },
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
              'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
            },
          },
        }),
      });
      expect(await res.text()).toContain('web__no-such-tool');
      await waitFor(
        () => receiver.spans.some((s) => s.traceId === parent.traceId && s.kind === SERVER),
        30_000,
        'the refusal trace',
      );
      const spans = callSpans(receiver, parent.traceId);
      const call = spans.find((s) => s.kind === SERVER)!;
      expect(call.parentSpanId).toBe(parent.spanId);
      expect(call.attributes['error.type']).toBe('unknown_tool');
      expect(call.status?.code).toBe(2);
      expect(spans.some((s) => s.kind === CLIENT)).toBe(false);
      // A name the gateway could not resolve is client text: it names no span.
      expect(receiver.raw.join('\n')).not.toContain('no-such-tool');
    });
  });

  describe('mcpgate stdio', () => {
    it('continues `_meta.traceparent`, to HTTP and stdio upstreams alike', async () => {
      // The JSON encoding here; `serve` above exports with the default, protobuf.
      const configPath = writeConfig(`${upstreamsYaml(proxy)}${tracingYaml(receiver, true, 'http/json')}`);
      const gw = await connectGateway(configPath, { env: env() });
      const parent = clientTraceparent();
      const marker = `stdio-${ARG_SECRET}`;
      try {
        const res = await gw.client.callTool({
          name: 'web__echo',
          arguments: { message: marker },
          _meta: { traceparent: parent.traceparent },
        });
        expect(textOf(res)).toContain(marker);
        const local = clientTraceparent();
        await gw.client.callTool({
          name: 'local__echo',
          arguments: { message: marker },
          _meta: { traceparent: local.traceparent },
        });
        const localSpans = await traceOf(receiver, local.traceId, 'local__echo');
        expectCallTrace(localSpans, 'local__echo', local.spanId);
      } finally {
        await gw.close();
      }
      const spans = await traceOf(receiver, parent.traceId, 'web__echo');
      const { upstream } = expectCallTrace(spans, 'web__echo', parent.spanId);
      const sent = upstreamCall(proxy, marker);
      expect(sent.headers.traceparent).toBe(`00-${parent.traceId}-${upstream.spanId}-01`);
      expect(sent.meta?.traceparent).toBe(sent.headers.traceparent);
      expect(receiver.contentTypes).toContain('application/json');
      expectNoSecrets(receiver);
    });

    it('exports nothing and adds no trace context when tracing is off', async () => {
      const off = await startOtlpReceiver();
      try {
        const configPath = writeConfig(`${upstreamsYaml(proxy)}${tracingYaml(off, false)}`);
        const gw = await connectGateway(configPath, { env: env() });
        const marker = `untraced-${ARG_SECRET}`;
        try {
          expect(
            textOf(await gw.client.callTool({ name: 'web__echo', arguments: { message: marker } })),
          ).toContain(marker);
        } finally {
          // Closing the gateway would flush any buffered span: after it, nothing can still come.
          await gw.close();
        }
        const sent = upstreamCall(proxy, marker);
        expect(sent.headers.traceparent).toBeUndefined();
        expect(sent.meta?.traceparent).toBeUndefined();
        expect(off.raw).toHaveLength(0);
      } finally {
        await off.close();
      }
    });
  });
});
