#!/usr/bin/env node
/* global process, console, setTimeout */
// One call at a time over stdio, in interleaved rounds (docs/performance.md, "Where a sequential
// stdio call's time goes"): direct to server-everything, the core path without audit, `mcpgate
// stdio` with the audit on Postgres, and a bare INSERT + commit — each round measures every
// subject once, so a noisy neighbour hits them all alike. Per subject: p50 and p90 of the
// round-trip, gateway CPU µs per call (its own process, from /proc), and for the audited subject
// the audit records and commits per call of the sequential phase.
// BENCH_ROUNDS (default 3), BENCH_SEQ (1500). Extra builds to compare against: BENCH_OTHER=<repo
// root of another build> adds its core and audited subjects (A/B across builds, interleaved).
// Prints numbers; asserts nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin, pgSchema } from '@mcpgate/testkit';
import { auditedStdioConfig, BASE_ENV, cpuSnapshot, percentile, printTable, REPO } from './bench-util.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SEQ = Number(process.env.BENCH_SEQ ?? 1500);
const EV = everythingBin();
const pg = createRequire(join(REPO, 'packages', 'audit', 'package.json'))('pg');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const builds = [['', REPO]];
if (process.env.BENCH_OTHER) builds.push(['other ', process.env.BENCH_OTHER]);

async function connect(command, args) {
  const transport = new StdioClientTransport({ command, args, env: BASE_ENV, stderr: 'ignore' });
  const client = new Client({ name: 'bench-stdio-seq', version: '1' });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

async function writes(db) {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const r = await c.query(
      'SELECT count(*)::int AS records, count(DISTINCT xmin::text)::int AS commits FROM events',
    );
    return r.rows[0];
  } finally {
    await c.end();
  }
}

async function measure({ client, pid }, tool, db) {
  const call = (i) =>
    client.request({ method: 'tools/call', params: { name: tool, arguments: { message: `m${i}` } } });
  for (let i = 0; i < 300; i++) await call(i);
  if (db) await sleep(100);
  const w0 = db ? await writes(db) : undefined;
  const c0 = cpuSnapshot(pid);
  const lat = [];
  for (let i = 0; i < SEQ; i++) {
    const t0 = process.hrtime.bigint();
    await call(i);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const c1 = cpuSnapshot(pid);
  if (db) await sleep(100); // the last response record lingers, then commits
  const w1 = db ? await writes(db) : undefined;
  await client.close();
  return {
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    selfUs: ((c1.self - c0.self) * 1000) / SEQ,
    upUs: ((c1.children - c0.children) * 1000) / SEQ,
    commits: w1 ? (w1.commits - w0.commits) / SEQ : undefined,
    records: w1 ? (w1.records - w0.records) / SEQ : undefined,
  };
}

async function bareCommit(db) {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, body jsonb NOT NULL)');
    const body = JSON.stringify({ method: 'tools/call', params: { name: 'echo', arguments: { m: 'm' } } });
    for (let i = 0; i < 200; i++) await c.query('INSERT INTO bench_commit (body) VALUES ($1)', [body]);
    const lat = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = process.hrtime.bigint();
      await c.query('INSERT INTO bench_commit (body) VALUES ($1)', [body]);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { p50: percentile(lat, 50), p90: percentile(lat, 90) };
  } finally {
    await c.end();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-stdio-seq-'));
const results = new Map();
const add = (name, r) => {
  if (!results.has(name)) results.set(name, []);
  results.get(name).push(r);
};
console.log(
  `load before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let round = 0; round < ROUNDS; round++) {
  add('direct', await measure(await connect(process.execPath, [EV, 'stdio']), 'echo'));
  for (const [label, repo] of builds) {
    const core = join(repo, 'scripts/bench-harness/core-gateway.mjs');
    add(
      `${label}core`,
      await measure(await connect(process.execPath, [core, process.execPath, EV, 'stdio']), 'ev__echo'),
    );
    // A fresh database per audited run: the same table size for every build.
    const db = await pgSchema({ prefix: 'mcpgate_bench_seq' });
    try {
      const config = join(dir, 'mcpgate.yaml');
      writeFileSync(config, auditedStdioConfig(dir, db.url, EV));
      const cli = join(repo, 'packages', 'cli', 'bin', 'mcpgate.js');
      add(
        `${label}audited`,
        await measure(await connect(process.execPath, [cli, 'stdio', '--config', config]), 'ev__echo', db),
      );
      if (label === '') add('bare commit', await bareCommit(db));
    } finally {
      await db.drop?.();
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const f3 = (n) => n.toFixed(3);
const rows = [
  [
    'subject',
    'p50 ms per round',
    'p50 median',
    'p90 median',
    'gateway CPU µs/call',
    'commits/call',
    'records/call',
  ],
];
const med = (xs) => percentile(xs, 50);
for (const [name, rs] of results) {
  rows.push([
    name,
    rs.map((r) => f3(r.p50)).join(' '),
    f3(med(rs.map((r) => r.p50))),
    f3(med(rs.map((r) => r.p90))),
    rs[0].selfUs === undefined ? '—' : med(rs.map((r) => r.selfUs)).toFixed(0),
    rs[0].commits === undefined ? '—' : med(rs.map((r) => r.commits)).toFixed(2),
    rs[0].records === undefined ? '—' : med(rs.map((r) => r.records)).toFixed(2),
  ]);
}
printTable(`one call at a time over stdio, ${ROUNDS} interleaved rounds of ${SEQ} calls`, rows);
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
