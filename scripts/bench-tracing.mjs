#!/usr/bin/env node
// Tracing cost: the gateway's CPU per tools/call through `mcpgate stdio` (audit on the embedded
// store, policy and masking on) with tracing off versus on, exporting every call's spans over
// OTLP/HTTP to a receiver in this process (protobuf, the default; JSON; 10 % sampling). The four
// gateways run side by side and take turns in short bursts (12 rounds of 500 calls each), so
// machine noise hits all alike; the gateway process's own CPU (user + system, from /proc) is
// counted, not its upstream child's, nor the receiver's.
// Prints numbers; asserts nothing (goal: on <= off + 10 %).
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin } from '@mcpgate/testkit';
import { BASE_ENV, cpuSnapshot, MCPGATE_CLI, percentile, printTable } from './bench-util.mjs';

const CALLS = Number(process.env.BENCH_TRACING_CALLS ?? 6000);
const ROUNDS = Number(process.env.BENCH_TRACING_ROUNDS ?? 12);
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

/**
 * A minimal OTLP/HTTP receiver (protobuf or JSON): counts spans per request path, answers 200.
 * It runs in a process of its own (this script with `--receiver`): parsing the exports in the
 * process that drives the calls would slow the client of the traced gateways only, and a gateway
 * fed more slowly batches less (fewer calls per read and per audit commit) and spends more CPU
 * per call for reasons that are not tracing.
 */
function runReceiver() {
  const spans = {};
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      spans[req.url] =
        (spans[req.url] ?? 0) + countSpans(req.headers['content-type'] ?? '', Buffer.concat(chunks));
      res.writeHead(200).end();
    });
  });
  process.on('message', (m) => {
    if (m === 'spans') process.send({ spans });
    else if (m === 'close') server.close(() => process.exit(0));
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

async function startReceiver() {
  const child = fork(fileURLToPath(import.meta.url), ['--receiver'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () => new Promise((r) => child.once('message', r));
  const { port } = await next();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    spans: async (path) => {
      child.send('spans');
      return (await next()).spans[path] ?? 0;
    },
    close: () => new Promise((r) => (child.once('exit', r), child.send('close'))),
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

/** A running `mcpgate stdio` with its client; `burst(n)` makes n calls, 16 in flight. */
async function startGateway(config) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      MCPGATE_CLI,
      'stdio',
      '--config',
      config,
    ],
    env: BASE_ENV,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-tracing', version: '1' });
  await client.connect(transport);
  let i = 0;
  const call = () =>
    client.request({ method: 'tools/call', params: { name: 'ev__echo', arguments: { message: `m${i++}` } } });
  return {
    pid: transport.pid,
    calls: () => i,
    async burst(n) {
      const end = i + n;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (i < end) await call();
        }),
      );
    },
    warmUp: async () => {
      for (let k = 0; k < WARM_UP; k++) await call(); // JIT, caches, the exporter's first batches
    },
    close: () => client.close(),
  };
}

export async function benchTracing() {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-tracing-'));
  const receiver = await startReceiver();
  const variants = [
    { name: 'off', tracing: (url) => `tracing: { enabled: false, endpoint: ${url} }` },
    { name: 'on, http/protobuf (default)', tracing: (url) => `tracing: { enabled: true, endpoint: ${url} }` },
    {
      name: 'on, http/json',
      tracing: (url) => `tracing: { enabled: true, endpoint: ${url}, protocol: http/json }`,
    },
    {
      name: 'on, sampleRatio 0.1',
      tracing: (url) => `tracing: { enabled: true, endpoint: ${url}, sampleRatio: 0.1 }`,
    },
  ].map((v, i) => {
    const path = `/v1/traces/${i}`;
    return { ...v, path, config: writeGatewayConfig(dir, `v${i}`, v.tracing(receiver.url(path))), runs: [] };
  });
  // All gateways run at once and take turns in short bursts, so a change in the machine's load
  // hits every variant alike. A variant's CPU in a round runs from the start of its burst to the
  // start of its next one: the spans it exports while the others take their turn count as its own.
  for (const v of variants) {
    v.gw = await startGateway(v.config);
    await v.gw.warmUp();
  }
  const burst = Math.ceil(CALLS / ROUNDS);
  for (const v of variants) v.cpu0 = cpuSnapshot(v.gw.pid).self;
  for (let r = 0; r < ROUNDS; r++) {
    // Each round starts with another variant: none always runs right after the same neighbour.
    for (const v of [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)]) {
      if (process.env.BENCH_VERBOSE) console.error(`round ${r + 1}: ${v.name}`);
      const cpu = cpuSnapshot(v.gw.pid).self;
      if (r > 0) v.runs.at(-1).cpu = cpu - v.runs.at(-1).cpu;
      const t0 = process.hrtime.bigint();
      await v.gw.burst(burst);
      v.runs.push({ cpu, calls: burst, rps: burst / (Number(process.hrtime.bigint() - t0) / 1e9) });
    }
  }
  await new Promise((r) => setTimeout(r, 1500)); // the last batches go out (every second)
  for (const v of variants) {
    const cpu = cpuSnapshot(v.gw.pid).self;
    v.runs.at(-1).cpu = cpu - v.runs.at(-1).cpu;
    v.total = { cpuUsPerCall: ((cpu - v.cpu0) * 1000) / (burst * ROUNDS) };
    for (const x of v.runs) x.cpuUsPerCall = (x.cpu * 1000) / x.calls;
  }
  for (const v of variants) {
    v.callsMade = v.gw.calls();
    await v.gw.close(); // the gateway flushes on close: every span has arrived by now
    v.spans = await receiver.spans(v.path);
  }
  await receiver.close();

  const med = (xs, k) =>
    percentile(
      xs.map((x) => x[k]),
      50,
    );
  const base = variants[0].total.cpuUsPerCall;
  // Each round's variant against the same round's "off": the steadier figure on a busy machine.
  const paired = (v) =>
    percentile(
      v.runs.map((x, r) => x.cpuUsPerCall / variants[0].runs[r].cpuUsPerCall - 1),
      50,
    ) * 100;
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
  printTable(
    `tracing: gateway CPU per tools/call, mcpgate stdio, ${ROUNDS} interleaved rounds of ${burst} calls`,
    [
      [
        'tracing',
        'CPU µs/call',
        'vs off',
        'vs off, median of rounds',
        `calls/s (${IN_FLIGHT} in flight)`,
        'spans/call',
      ],
      ...variants.map((v) => {
        const cpu = v.total.cpuUsPerCall;
        return [
          v.name,
          cpu.toFixed(0),
          pct(((cpu - base) / base) * 100),
          pct(paired(v)),
          med(v.runs, 'rps').toFixed(0),
          (v.spans / v.callsMade).toFixed(1),
        ];
      }),
    ],
  );
  const on = variants[1].total.cpuUsPerCall;
  console.log(
    `tracing on (default export) costs ${pct(((on - base) / base) * 100)} CPU per call ` +
      `(${(on - base).toFixed(0)} µs; median of rounds ${pct(paired(variants[1]))}; goal: <= +10 %)`,
  );
  return { base, on };
}

if (process.argv[2] === '--receiver') runReceiver();
else if (import.meta.url === `file://${process.argv[1]}`) await benchTracing();
