#!/usr/bin/env node
/* global process, URL, setTimeout */
// Scale-out benchmark: tools/call echo from 8 legacy sessions × 4 in flight through HAProxy
// (docs/deploy.md's config: round-robin, no stickiness) in front of 1, 2 and 3 `mcpgate serve`
// replicas on one Postgres, and, as the baseline of the same run, one replica without the load
// balancer; last, one gateway with two cluster workers on one port (`--workers 2`), no load
// balancer. Every request of a session may reach another replica. Prints calls/s, latency and CPU
// per call (all replicas together, their upstream children, Postgres, HAProxy). On one small
// machine every replica shares the same cores: the point is that calls/s does not fall as
// replicas are added, and the CPU per call is the number to size with. Asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort, pgSchema } from '@mcpgate/testkit';
import { BASE_ENV, cpuSnapshot, MCPGATE_CLI as CLI, percentile, printTable, REPO } from './bench-util.mjs';

const TOTAL = Number(process.env.BENCH_REPLICAS_CALLS ?? 2000);
const SESSIONS = 8;
const IN_FLIGHT = 4;
const HAPROXY = '/usr/sbin/haproxy';

function startServe(dir, storeUrl, id, workers = 1) {
  const config = join(dir, 'mcpgate.yaml');
  writeFileSync(
    config,
    [
      'upstreams:',
      '  everything:',
      '    alias: ev',
      `    command: ${process.execPath}`,
      `    args: ${JSON.stringify([everythingBin(), 'stdio'])}`,
      'policy: { default: allow }',
      `store: { url: ${JSON.stringify(storeUrl)} }`,
      `audit: { signingKeyFile: ./audit-signing.key, replicaId: ${id} }`,
      'server: { port: 0 }',
      'logging: { level: info }',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--workers', String(workers)], {
    env: BASE_ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`replica ${id} did not start:\n${out.slice(-2000)}`)),
      90_000,
    );
    child.stderr.on('data', (d) => {
      out += d.toString();
      const m = /"msg":"listening on (http[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`replica ${id} exited ${code}:\n${out.slice(-2000)}`)));
  });
}

/** docs/deploy.md's HAProxy block, listening on `port`, its servers replaced by `urls`. */
function haproxyConfig(port, urls) {
  const deploy = readFileSync(join(REPO, 'docs', 'deploy.md'), 'utf8');
  const block = /```haproxy\n([\s\S]*?)```/.exec(deploy)[1];
  const out = [];
  let servers = false;
  for (const line of block.split('\n')) {
    if (/^\s*bind\s/.test(line)) out.push(`    bind 127.0.0.1:${port}`);
    else if (/^\s*server\s/.test(line)) {
      const m = /^(\s*)server\s+\S+\s+\S+(.*)$/.exec(line);
      if (!servers) urls.forEach((u, i) => out.push(`${m[1]}server gw${i + 1} ${new URL(u).host}${m[2]}`));
      servers = true;
    } else out.push(line);
  }
  return out.join('\n');
}

async function startHaproxy(urls) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-haproxy-'));
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(port, urls));
  const child = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${url}/mcp`).catch(() => undefined);
    if (r?.status === 405) return { child, url };
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('haproxy never forwarded to a replica');
}

async function measure(url, pids, workers = false) {
  const connect = async () => {
    const c = new Client({ name: 'bench-replicas', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
    return c;
  };
  const clients = await Promise.all(Array.from({ length: SESSIONS }, connect));
  const call = (c, i) =>
    c.request({ method: 'tools/call', params: { name: 'ev__echo', arguments: { message: `m${i}` } } });
  for (const c of clients) for (let i = 0; i < 30; i++) await call(c, i); // warm-up: every replica loads every session
  const snap = () => pids.map((p) => cpuSnapshot(p));
  const sum = (s, k) => s.reduce((a, x) => a + (k === 'postgres' ? 0 : x[k]), 0);
  // `--workers N`: the workers are the primary's children (gateway), the upstreams theirs.
  const gw = (s) => sum(s, 'self') + (workers ? sum(s, 'direct') : 0);
  const up = (s) => sum(s, 'children') - (workers ? sum(s, 'direct') : 0);
  const lat = [];
  let next = 0;
  const c0 = snap();
  const b0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < TOTAL) {
          const i = next++;
          const s = process.hrtime.bigint();
          await call(c, i);
          lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        }
      }),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = snap();
  const b1 = process.cpuUsage(b0);
  const perCall = (ms) => ((ms * 1000) / TOTAL).toFixed(0);
  await Promise.all(clients.map((c) => c.close()));
  return {
    rps: (TOTAL / secs).toFixed(0),
    p50: percentile(lat, 50).toFixed(2),
    p99: percentile(lat, 99).toFixed(2),
    gateways: perCall(gw(c1) - gw(c0)),
    upstreams: perCall(up(c1) - up(c0)),
    postgres: perCall(c1[0].postgres - c0[0].postgres),
    client: perCall((b1.user + b1.system) / 1000),
  };
}

const db = await pgSchema({ prefix: 'mcpgate_bench_replicas' });
const rows = [
  ['path', 'calls/s 8×4', 'p50 ms', 'p99 ms', 'gateways µs/call', '+ upstreams', '+ Postgres', 'client'],
];
const started = [];
try {
  // Replicas start one after the other (the first migrates the fresh database).
  for (let i = 1; i <= 3; i++)
    started.push(await startServe(mkdtempSync(join(tmpdir(), `mcpgate-bench-gw${i}-`)), db.url, `gw-${i}`));
  const direct = await measure(started[0].url, [started[0].child.pid]);
  rows.push(['1 replica, no load balancer', ...Object.values(direct)]);
  for (const n of [1, 2, 3]) {
    const lb = await startHaproxy(started.slice(0, n).map((s) => s.url));
    try {
      const r = await measure(
        lb.url,
        started.slice(0, n).map((s) => s.child.pid),
      );
      rows.push([`${n} replica${n > 1 ? 's' : ''} behind HAProxy`, ...Object.values(r)]);
    } finally {
      lb.child.kill('SIGKILL');
    }
  }
  // One gateway with two cluster workers on one port (`server.workers: 2`), no load balancer.
  for (const s of started) s.child.kill('SIGKILL');
  const two = await startServe(mkdtempSync(join(tmpdir(), 'mcpgate-bench-w2-')), db.url, 'gw-w', 2);
  started.push(two);
  const w = await measure(two.url, [two.child.pid], true);
  rows.push(['1 gateway, 2 workers (server.workers), no load balancer', ...Object.values(w)]);
} finally {
  for (const s of started) s.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  await db.drop();
}
printTable(
  `Scale-out: ${TOTAL} tools/call from ${SESSIONS} legacy sessions × ${IN_FLIGHT} in flight (Postgres store)`,
  rows,
);
