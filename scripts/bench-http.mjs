#!/usr/bin/env node
/* global process, URL, fetch, setTimeout, clearTimeout */
// HTTP face benchmark: tools/call over Streamable HTTP through `mcpgate serve` (API-key auth and
// the audit trail on) versus two bare stdio→HTTP bridges without governance — supergateway and
// mcp-proxy (npm, devDependencies of @mcpgate/faces) — over the same upstream (server-everything
// over stdio), measured in one run: p50, p99, calls/s for 1 session and for 8 sessions × 4 in
// flight, and what each part costs in CPU per call. (Memory per idle session: bench-sessions.mjs.)
// Prints numbers; asserts nothing (a benchmark, not a test). Loopback only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort, pgSchema } from '@mcpgate/testkit';
import {
  apiKeyGatewayConfig,
  BASE_ENV as baseEnv,
  cpuSnapshot,
  MCPGATE_CLI as CLI,
  percentile,
  printTable,
  REPO,
} from './bench-util.mjs';

const SEQ = Number(process.env.BENCH_HTTP_SEQ ?? 1000);
const PAR_TOTAL = Number(process.env.BENCH_HTTP_PAR ?? 4000);
const SESSIONS = 8;
const IN_FLIGHT = 4;
const PEPPER = 'bench-http-pepper-0123456789abcdef012345';

const facesRequire = createRequire(join(REPO, 'packages', 'faces', 'package.json'));
function binOf(name) {
  const pkgJson = facesRequire.resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0];
  return join(dirname(pkgJson), bin);
}

const EV = everythingBin();

function startProcess(args, env, ready) {
  const child = spawn(process.execPath, args, {
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`did not start: ${args.join(' ')}\n${out.slice(-2000)}`)),
      60_000,
    );
    const onData = (d) => {
      out += d.toString();
      const v = ready(out);
      if (v) {
        clearTimeout(timer);
        resolve({ child, url: v });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out.slice(-2000)}`)));
  });
}

async function waitHttp(url) {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

async function connect(url, headers = {}, era = 'legacy') {
  const client = new Client(
    { name: 'bench-http', version: '1' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const call = (client, tool, i) =>
  client.request({ method: 'tools/call', params: { name: tool, arguments: { message: `m${i}` } } });

async function measure(url, tool, headers, pid, era) {
  const one = await connect(url, headers, era);
  for (let i = 0; i < 200; i++) await call(one, tool, i); // warm-up
  const lat = [];
  const s0 = process.hrtime.bigint();
  for (let i = 0; i < SEQ; i++) {
    const t0 = process.hrtime.bigint();
    await call(one, tool, i);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const seqRps = SEQ / (Number(process.hrtime.bigint() - s0) / 1e9);
  await one.close();

  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(url, headers, era)));
  const parLat = [];
  let next = 0;
  const c0 = cpuSnapshot(pid);
  const b0 = process.cpuUsage();
  const p0 = process.hrtime.bigint();
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < PAR_TOTAL) {
          const i = next++;
          const t0 = process.hrtime.bigint();
          await call(c, tool, i);
          parLat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    ),
  );
  const parRps = PAR_TOTAL / (Number(process.hrtime.bigint() - p0) / 1e9);
  const c1 = cpuSnapshot(pid);
  const b1 = process.cpuUsage(b0);
  // CPU per call in the concurrent phase, in µs: what each part of the path costs the machine.
  const perCall = (ms) => ((ms * 1000) / PAR_TOTAL).toFixed(0);
  const cpu = {
    bridge: perCall(c1.self - c0.self),
    upstream: perCall(c1.children - c0.children),
    postgres: perCall(c1.postgres - c0.postgres),
    client: perCall((b1.user + b1.system) / 1000),
  };
  await Promise.all(clients.map((c) => c.close()));
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    rps: seqRps,
    parP50: percentile(parLat, 50),
    parP99: percentile(parLat, 99),
    parRps,
    cpu,
  };
}

async function mcpgate(storeUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-http-'));
  const { config, key, env } = apiKeyGatewayConfig(dir, {
    upstreamArgs: [EV, 'stdio'],
    storeUrl,
    pepper: PEPPER,
  });
  const { child, url } = await startProcess(
    [CLI, 'serve', '--config', config, '--log-level', 'info', '--workers', '1'],
    env,
    (out) => /"msg":"listening on (http[^"]+)"/.exec(out)?.[1],
  );
  return { child, url: `${url}/mcp`, headers: { 'x-api-key': key } };
}

async function supergateway() {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      binOf('supergateway'),
      '--stdio',
      `${process.execPath} ${EV} stdio`,
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
      '--logLevel',
      'none',
    ],
    { env: baseEnv, stdio: 'ignore' },
  );
  await waitHttp(`http://127.0.0.1:${port}/mcp`);
  return { child, url: `http://127.0.0.1:${port}/mcp`, headers: {} };
}

async function mcpProxy() {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      binOf('mcp-proxy'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--server',
      'stream',
      '--',
      process.execPath,
      EV,
      'stdio',
    ],
    { env: baseEnv, stdio: 'ignore' },
  );
  await waitHttp(`http://127.0.0.1:${port}/mcp`);
  return { child, url: `http://127.0.0.1:${port}/mcp`, headers: {} };
}

const rows = [
  ['path', '1 session p50 ms', 'p99 ms', 'calls/s', `${SESSIONS}×${IN_FLIGHT} p50 ms`, 'p99 ms', 'calls/s'],
];
const fmt = (r) => [
  r.p50.toFixed(2),
  r.p99.toFixed(2),
  r.rps.toFixed(0),
  r.parP50.toFixed(2),
  r.parP99.toFixed(2),
  r.parRps.toFixed(0),
];
const cpuRows = [['path', 'gateway/bridge µs', 'its upstream µs', 'postgres µs', 'bench client µs']];
// The central deployment's store is Postgres: measure that too when one is reachable.
let db;
try {
  db = await pgSchema({ prefix: 'mcpgate_bench_http' });
} catch (err) {
  console.log(`(no Postgres for the audit-on-Postgres row: ${String(err.message).split('\n')[0]})`);
}
for (const [name, start, tool, era] of [
  ['mcpgate serve (API key + audit, embedded PGlite)', () => mcpgate(), 'ev__echo'],
  ...(db
    ? [
        ['mcpgate serve (API key + audit on Postgres)', () => mcpgate(db.url), 'ev__echo'],
        // The stateless era: every call is its own request (no session), through the SDK's handler.
        ['mcpgate serve, 2026-07-28 client (same, Postgres)', () => mcpgate(db.url), 'ev__echo', 'modern'],
      ]
    : []),
  ['supergateway (bare bridge)', supergateway, 'echo'],
  ['mcp-proxy (bare bridge)', mcpProxy, 'echo'],
]) {
  let subject;
  try {
    subject = await start();
    const r = await measure(subject.url, tool, subject.headers, subject.child.pid, era);
    rows.push([name, ...fmt(r)]);
    cpuRows.push([name, r.cpu.bridge, r.cpu.upstream, r.cpu.postgres, r.cpu.client]);
  } catch (err) {
    rows.push([name, `failed: ${String(err).split('\n')[0]}`, '', '', '', '', '']);
  }
  subject?.child.kill('SIGKILL');
}
printTable(
  `HTTP face vs bare bridges (server-everything echo over stdio; ${SEQ} sequential, ${PAR_TOTAL} concurrent calls)`,
  rows,
);
printTable(`CPU per call during the ${SESSIONS}×${IN_FLIGHT} phase (2 cores shared by all of them)`, cpuRows);

await db?.drop().catch(() => undefined);
