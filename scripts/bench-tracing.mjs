#!/usr/bin/env node
// Tracing cost: the gateway's CPU per tools/call through `mcpgate stdio` (audit on the embedded
// store, policy and masking on) with tracing off versus on, exporting every call's spans over
// OTLP/HTTP to a receiver in this process (protobuf, the default; JSON; 10 % sampling). The
// variants alternate in rounds so machine noise hits all alike; the gateway process's own CPU
// (user + system, from /proc) is counted, not its upstream child's, nor the receiver's.
// Prints numbers; asserts nothing (goal: on <= off + 10 %).
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin } from '@mcpgate/testkit';
import { BASE_ENV, cpuSnapshot, MCPGATE_CLI, percentile, printTable } from './bench-util.mjs';

const CALLS = Number(process.env.BENCH_TRACING_CALLS ?? 3000);
const ROUNDS = Number(process.env.BENCH_TRACING_ROUNDS ?? 3);
const IN_FLIGHT = 16;
const WARM_UP = 500;

/** Length-delimited fields `no` of a protobuf message (just enough wire format to count spans). */
function subMessages(buf, no) {
  const out = [];
  let i = 0;
  const varint = () => {
    let v = 0;
    for (let mul = 1; ; mul *= 128) {
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      if (key >>> 3 === no) out.push(buf.subarray(i, i + len));
      i += len;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return out;
}

/** ExportTraceServiceRequest → number of spans, in either OTLP/HTTP encoding. */
function countSpans(type, body) {
  let n = 0;
  if (type.startsWith('application/json')) {
    for (const rs of JSON.parse(body.toString('utf8')).resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) n += (ss.spans ?? []).length;
    return n;
  }
  for (const rs of subMessages(body, 1)) for (const ss of subMessages(rs, 2)) n += subMessages(ss, 2).length;
  return n;
}

/** A minimal OTLP/HTTP receiver (protobuf or JSON): counts spans, answers 200. */
async function startReceiver() {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      spans += countSpans(req.headers['content-type'] ?? '', Buffer.concat(chunks));
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/traces`,
    spans: () => spans,
    close: () => new Promise((r) => server.close(r)),
  };
}

function writeGatewayConfig(dir, name, tracing) {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    [
      'upstreams:',
      '  everything:',
      '    alias: ev',
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(everythingBin())}, "stdio"]`,
      '    era: legacy',
      'logging: { level: warn }',
      'policy: { default: allow }',
      `store: { dir: ${JSON.stringify(join(dir, `data-${name}`))} }`,
      tracing,
      '',
    ].join('\n'),
  );
  return path;
}

/** CPU ms of the gateway process per call over `CALLS` calls, 16 in flight, after a warm-up. */
async function measure(config) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCPGATE_CLI, 'stdio', '--config', config],
    env: BASE_ENV,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-tracing', version: '1' });
  await client.connect(transport);
  const call = (i) =>
    client.request({ method: 'tools/call', params: { name: 'ev__echo', arguments: { message: `m${i}` } } });
  for (let i = 0; i < WARM_UP; i++) await call(i); // warm-up: JIT, caches, the exporter's first batches
  const pid = transport.pid;
  const before = cpuSnapshot(pid).self;
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CALLS) await call(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSnapshot(pid).self - before;
  await client.close();
  return { cpuUsPerCall: (cpu * 1000) / CALLS, rps: CALLS / seconds };
}

export async function benchTracing() {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-tracing-'));
  const receiver = await startReceiver();
  const variants = [
    { name: 'off', tracing: `tracing: { enabled: false, endpoint: ${receiver.url} }` },
    { name: 'on, http/protobuf (default)', tracing: `tracing: { enabled: true, endpoint: ${receiver.url} }` },
    {
      name: 'on, http/json',
      tracing: `tracing: { enabled: true, endpoint: ${receiver.url}, protocol: http/json }`,
    },
    {
      name: 'on, sampleRatio 0.1',
      tracing: `tracing: { enabled: true, endpoint: ${receiver.url}, sampleRatio: 0.1 }`,
    },
  ].map((v, i) => ({ ...v, config: writeGatewayConfig(dir, `v${i}`, v.tracing), runs: [], spans: 0 }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      if (process.env.BENCH_VERBOSE) console.error(`round ${r + 1}: ${v.name}`);
      const before = receiver.spans();
      v.runs.push(await measure(v.config));
      // The gateway flushes on close: every span of the run has arrived by now.
      v.spans += receiver.spans() - before;
    }
  }
  await receiver.close();

  const med = (xs, k) =>
    percentile(
      xs.map((x) => x[k]),
      50,
    );
  const base = med(variants[0].runs, 'cpuUsPerCall');
  // Each round's variant against the same round's "off": machine noise drifts between rounds more
  // than within one, so the median of these ratios is the steadier figure.
  const paired = (v) =>
    percentile(
      v.runs.map((x, r) => x.cpuUsPerCall / variants[0].runs[r].cpuUsPerCall - 1),
      50,
    ) * 100;
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
  const callsPerRun = CALLS + WARM_UP;
  printTable(`tracing: gateway CPU per tools/call, mcpgate stdio, median of ${ROUNDS} rounds`, [
    [
      'tracing',
      'CPU µs/call',
      'vs off',
      'vs off, paired',
      `calls/s (${IN_FLIGHT} in flight)`,
      'spans/call',
      'rounds (µs/call)',
    ],
    ...variants.map((v) => {
      const cpu = med(v.runs, 'cpuUsPerCall');
      return [
        v.name,
        cpu.toFixed(0),
        pct(((cpu - base) / base) * 100),
        pct(paired(v)),
        med(v.runs, 'rps').toFixed(0),
        (v.spans / (ROUNDS * callsPerRun)).toFixed(1),
        v.runs.map((x) => x.cpuUsPerCall.toFixed(0)).join(' '),
      ];
    }),
  ]);
  const on = med(variants[1].runs, 'cpuUsPerCall');
  console.log(
    `tracing on (default export) costs ${pct(((on - base) / base) * 100)} CPU per call ` +
      `(${(on - base).toFixed(0)} µs; paired by round ${pct(paired(variants[1]))}; goal: <= +10 %)`,
  );
  return { base, on };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchTracing();
