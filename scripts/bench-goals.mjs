#!/usr/bin/env node
/* global process, console, setTimeout, clearTimeout */
// The performance goals' table, measured side by side in one run (docs/performance.md):
//  - HTTP: `mcpgate serve` with full governance (API key, policy rules, masking, audit on Postgres)
//    versus the bare bridges supergateway and mcp-proxy over the same upstream, all under load
//    from Debian's `wrk` (16 connections); calls/s, p50, and CPU µs per call of the gateway/bridge,
//    its upstream and the Postgres backends working for it;
//  - the same gateway with `--workers 1` and `--workers 2` (cluster workers on one port);
//  - where the gateway's CPU goes, per component, from a `node --cpu-prof` run under the same load;
//  - stdio: direct to server-everything, the core path without audit, `mcpgate stdio` with the
//    audit on Postgres — p50 of one call at a time, calls/s with 16 in flight, CPU µs per call;
//  - a bare INSERT + commit on the same Postgres (the floor the durable request record costs).
// Prints numbers and whether each goal is met; asserts nothing (a benchmark, not a test).
// Also the median µs of each chain step of the audited stdio row, from its response records.
// BENCH_WRK_SECONDS (default 10), BENCH_SEQ (2000), BENCH_PAR (6000), BENCH_PROFILE=0 skips the
// profile run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin, freePort, pgSchema } from '@mcpgate/testkit';
import {
  apiKeyGatewayConfig,
  auditedStdioConfig,
  BASE_ENV,
  cpuSnapshot,
  MCPGATE_CLI,
  percentile,
  pgCpuOf,
  printTable,
  REPO,
} from './bench-util.mjs';
import { findWrk, openSession, runWrk, WRK_MISSING } from './bench-harness/wrk.mjs';
import { profileByComponent, topFunctions } from './bench-harness/cpu-profile.mjs';

const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);
const SEQ = Number(process.env.BENCH_SEQ ?? 2000);
const PAR_TOTAL = Number(process.env.BENCH_PAR ?? 6000);
const IN_FLIGHT = 16;
const CONNECTIONS = 16;
const PEPPER = 'bench-goals-pepper-0123456789abcdef0123456';
const EV = everythingBin();
const ONLY = process.env.BENCH_GOALS_ONLY; // "http" or "stdio": one half only
// Comma-separated words: only the HTTP subjects whose name contains one (e.g. "mcpgate").
const SUBJECTS = process.env.BENCH_GOALS_SUBJECTS?.split(',');

const facesRequire = createRequire(join(REPO, 'packages', 'faces', 'package.json'));
const pg = createRequire(join(REPO, 'packages', 'audit', 'package.json'))('pg');

function binOf(name) {
  const pkgJson = facesRequire.resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin)[0];
  return join(dirname(pkgJson), bin);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHttp(url, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} never answered`);
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---- HTTP subjects ------------------------------------------------------------------------------

/**
 * Full governance: API key, policy rules (default deny), masking (on by default), audit on Postgres.
 * `workers`: `serve --workers N` (N cluster workers on the one port, each a replica).
 */
async function mcpgate(db, nodeArgs = [], workers = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-goals-'));
  const port = await freePort();
  const { config, key, env } = apiKeyGatewayConfig(dir, {
    upstreamArgs: [EV, 'stdio'],
    storeUrl: db.url,
    pepper: PEPPER,
    server: [`  port: ${port}`, '  host: 127.0.0.1'],
    policy: [
      '  default: deny',
      '  rules:',
      '    - name: no-destructive',
      '      action: deny',
      '      match: { tools: ["*delete*", "*drop*"] }',
      '    - name: bench-key-echo',
      '      action: allow',
      '      match: { authMethods: [api-key], tools: [echo, get-sum] }',
    ],
  });
  const args = [...nodeArgs, MCPGATE_CLI, 'serve', '--config', config, '--workers', String(workers)];
  const child = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, child);
    // With workers, /healthz answers once the first is up; /metrics lists the workers that are.
    if (workers > 1) await waitWorkers(`http://127.0.0.1:${port}/metrics`, child, workers);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${err}`, { cause: e });
  }
  return { child, url, headers: { 'x-api-key': key }, tool: 'ev__echo', dir, workers };
}

async function waitWorkers(metricsUrl, child, workers) {
  const up = async () => (await (await fetch(metricsUrl)).text()).includes(`worker="${workers}"`);
  for (let i = 0; i < 1800; i++) {
    if (await up()) return;
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    await sleep(100);
  }
  throw new Error(`not all ${workers} workers up within 180 s`);
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
    { env: BASE_ENV, stdio: 'ignore' },
  );
  await waitHttp(`http://127.0.0.1:${port}/mcp`, child);
  return { child, url: `http://127.0.0.1:${port}/mcp`, headers: {}, tool: 'echo' };
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
    { env: BASE_ENV, stdio: 'ignore' },
  );
  await waitHttp(`http://127.0.0.1:${port}/mcp`, child);
  return { child, url: `http://127.0.0.1:${port}/mcp`, headers: {}, tool: 'echo' };
}

/** wrk against one subject; CPU per call of the subject, its upstream child and Postgres. */
async function underWrk(subject, database) {
  const headers = await openSession(subject.url, subject.headers);
  // Warm-up: JIT, pools, the upstream's own caches.
  await runWrk({ url: subject.url, headers, tool: subject.tool, connections: CONNECTIONS, seconds: 2 });
  const snap = () => ({ cpu: cpuSnapshot(subject.child.pid), pg: database ? pgCpuOf(database) : 0 });
  const r = await runWrk({
    url: subject.url,
    headers,
    tool: subject.tool,
    connections: CONNECTIONS,
    seconds: WRK_SECONDS,
    around: snap,
  });
  const per = (ms) => (ms * 1000) / r.calls;
  // With workers the gateway is the primary and its children; the upstreams are the workers' children.
  const workers = subject.workers > 1 ? r.after.cpu.direct - r.before.cpu.direct : 0;
  return {
    ...r,
    selfUs: per(r.after.cpu.self - r.before.cpu.self + workers),
    upstreamUs: per(r.after.cpu.children - r.before.cpu.children - workers),
    pgUs: per(r.after.pg - r.before.pg),
    loadUs: per(r.loadGenMs),
  };
}

async function httpRows(db) {
  const rows = [];
  for (const [name, start] of [
    ['mcpgate serve (API key, policy, masking, audit on Postgres)', () => mcpgate(db)],
    ['supergateway 4.0.0 (bare bridge, stateful)', supergateway],
    ['mcp-proxy 6.7.19 (bare bridge)', mcpProxy],
    // The same gateway, workers 1 vs 2 (`server.workers`): one worker is the row above, measured
    // again here so the pair comes from adjacent runs.
    ['mcpgate serve, workers 1', () => mcpgate(db, [], 1)],
    ['mcpgate serve, workers 2', () => mcpgate(db, [], 2)],
  ]) {
    if (SUBJECTS && !SUBJECTS.some((w) => name.includes(w))) continue;
    let subject;
    try {
      subject = await start();
      const r = await underWrk(subject, subject.dir ? db.database : undefined);
      if (r.failed) console.log(`  ${name}: ${r.failed} of ${r.calls} calls failed, e.g. ${r.sample}`);
      rows.push({ name, ...r });
    } catch (err) {
      console.log(
        `  ${name}: failed: ${String(err.message ?? err)
          .split('\n')
          .slice(0, 3)
          .join(' ')}`,
      );
      rows.push({ name, failedRun: true });
    } finally {
      if (subject) await stop(subject.child);
    }
  }
  return rows;
}

/** The gateway's CPU by component under the same wrk load: the samples of the measured run only. */
async function httpProfile(db) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-prof-load-'));
  const gw = await mcpgate(db, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let r;
  try {
    r = await underWrk(gw, db.database);
  } finally {
    await stop(gw.child);
  }
  const parts = [...profileByComponent(dir, r.window).entries()]
    .map(([c, us]) => [c, us / r.calls])
    .sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((s, [, v]) => s + v, 0);
  const top = topFunctions(dir, 12, r.window);
  return { parts, total, top, calls: r.calls, profileDir: dir, unprofiledUs: r.selfUs };
}

// ---- stdio subjects -----------------------------------------------------------------------------

async function connectStdio(command, args) {
  const transport = new StdioClientTransport({ command, args, env: BASE_ENV, stderr: 'ignore' });
  const client = new Client({ name: 'bench-goals', version: '1' });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

/** Audit records in the run's database so far, and the transactions that wrote them. */
async function auditWrites(database) {
  const c = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, `/${database}`) });
  await c.connect();
  try {
    // Rows of one group commit share their inserting transaction (xmin). Counted over the whole
    // table (every chain: the HTTP rows' gateway wrote its own), before and after.
    const r = await c.query(
      'SELECT count(*)::int AS records, count(DISTINCT xmin::text)::int AS commits FROM events',
    );
    return r.rows[0];
  } finally {
    await c.end();
  }
}

/**
 * Median µs of each chain step over the calls recorded so far, from the step timings every
 * response record carries (the same readings a trace's step spans use).
 */
async function stepTimings(database) {
  const c = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, `/${database}`) });
  await c.connect();
  try {
    const r = await c.query(
      // In chain order: each step's usual position in the records' step lists.
      `SELECT s.v->>'phase' || ' ' || (s.v->>'step') AS step,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY (s.v->>'micros')::int) AS p50
         FROM events, jsonb_array_elements(body::jsonb->'steps') WITH ORDINALITY AS s(v, i)
        WHERE type = 'call.response'
        GROUP BY 1 ORDER BY min(s.i), 1`,
    );
    return r.rows.map((x) => [x.step, Number(x.p50)]);
  } finally {
    await c.end();
  }
}

async function measureStdio({ client, pid }, tool, database) {
  const call = (i) =>
    client.request({ method: 'tools/call', params: { name: tool, arguments: { message: `m${i}` } } });
  for (let i = 0; i < 300; i++) await call(i); // warm-up: JIT, caches
  const lat = [];
  for (let i = 0; i < SEQ; i++) {
    const t0 = process.hrtime.bigint();
    await call(i);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  let next = 0;
  if (database) await sleep(100); // the last response record lingers, then commits
  const w0 = database ? await auditWrites(database) : { records: 0, commits: 0 };
  const c0 = cpuSnapshot(pid);
  const pg0 = database ? pgCpuOf(database) : 0;
  const me0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < PAR_TOTAL) await call(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = cpuSnapshot(pid);
  const pg1 = database ? pgCpuOf(database) : 0;
  const me = process.cpuUsage(me0);
  if (database) await sleep(100);
  const w1 = database ? await auditWrites(database) : { records: 0, commits: 0 };
  const steps = database ? await stepTimings(database) : [];
  await client.close();
  return {
    steps,
    p50: percentile(lat, 50),
    rps: PAR_TOTAL / seconds,
    selfUs: ((c1.self - c0.self) * 1000) / PAR_TOTAL,
    // The SDK client driving the calls (this process) and the subject's upstream child.
    clientUs: (me.user + me.system) / PAR_TOTAL,
    upstreamUs: ((c1.children - c0.children) * 1000) / PAR_TOTAL,
    pgUs: ((pg1 - pg0) * 1000) / PAR_TOTAL,
    commitsPerCall: (w1.commits - w0.commits) / PAR_TOTAL,
    recordsPerCall: (w1.records - w0.records) / PAR_TOTAL,
  };
}

async function stdioRows(db) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-goals-stdio-'));
  const direct = await measureStdio(await connectStdio(process.execPath, [EV, 'stdio']), 'echo');
  const core = await measureStdio(
    await connectStdio(process.execPath, [
      join(REPO, 'scripts/bench-harness/core-gateway.mjs'),
      process.execPath,
      EV,
      'stdio',
    ]),
    'ev__echo',
  );
  const config = join(dir, 'mcpgate.yaml');
  writeFileSync(config, auditedStdioConfig(dir, db.url, EV));
  const audited = await measureStdio(
    await connectStdio(process.execPath, [MCPGATE_CLI, 'stdio', '--config', config]),
    'ev__echo',
    db.database,
  );
  rmSync(dir, { recursive: true, force: true });
  return { direct, core, audited };
}

/** p50 of a bare single-row INSERT + commit (autocommit), fsync on, on the same server. */
async function bareCommit(db) {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query('CREATE TABLE bench_commit (id bigserial PRIMARY KEY, body jsonb NOT NULL)');
    const body = JSON.stringify({
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'm' } },
    });
    for (let i = 0; i < 200; i++) await c.query('INSERT INTO bench_commit (body) VALUES ($1)', [body]);
    const lat = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = process.hrtime.bigint();
      await c.query('INSERT INTO bench_commit (body) VALUES ($1)', [body]);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const sync = (await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    const fsync = (await c.query('SHOW fsync')).rows[0].fsync;
    return { p50: percentile(lat, 50), sync, fsync };
  } finally {
    await c.end();
  }
}

// ---- run and print --------------------------------------------------------------------------------

/**
 * What a calls/s goal leaves the gateway on this machine: every process of the row (load
 * generator, gateway, upstream, Postgres) shares its cores, so `rps` calls/s allow at most
 * cores × 1 s ÷ rps of CPU per call for all of them together.
 */
function budget(rps, loadName, othersUs, gatewayUs) {
  const cores = availableParallelism();
  const all = (cores * 1e6) / rps;
  const left = all - othersUs;
  return (
    `          ${f0(rps)} calls/s on ${cores} cores allow ${f0(all)} µs of CPU per call for all\n` +
    `          processes; ${loadName}, upstream and Postgres took ${f0(othersUs)}, leaving the gateway\n` +
    `          ${left > 0 ? `${f0(left)} µs` : 'nothing'} (it used ${f0(gatewayUs)})`
  );
}

const f0 = (n) => Math.round(n).toLocaleString('en-US');
// The machine may be shared: the load before the run says how much of it the numbers had.
const LOAD_BEFORE = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const ms = (n) => `${n.toFixed(3)} ms`;
const db = await pgSchema({ prefix: 'mcpgate_bench_goals' });
try {
  const table = [['path', 'calls/s', 'p50', 'CPU µs per call']];
  let http;
  let prof;
  if (ONLY !== 'stdio') {
    if (!findWrk()) console.log(WRK_MISSING);
    else {
      http = await httpRows(db);
      for (const r of http) {
        if (r.failedRun) table.push([`HTTP, ${r.name}`, 'failed', '', '']);
        else
          table.push([
            `HTTP, ${r.name}, wrk`,
            f0(r.rps),
            `${r.p50.toFixed(1)} ms (${CONNECTIONS} conns)`,
            (r.pgUs
              ? `gateway ${f0(r.selfUs)} + upstream ${f0(r.upstreamUs)} + Postgres ${f0(r.pgUs)}`
              : `bridge ${f0(r.selfUs)} + upstream ${f0(r.upstreamUs)}`) + ` (wrk ${f0(r.loadUs)})`,
          ]);
      }
      if (process.env.BENCH_PROFILE !== '0') prof = await httpProfile(db);
    }
  }
  let stdio;
  let commit;
  if (ONLY !== 'http') {
    stdio = await stdioRows(db);
    commit = await bareCommit(db);
    table.push(
      [
        'stdio, direct to server-everything',
        f0(stdio.direct.rps),
        ms(stdio.direct.p50),
        `upstream ${f0(stdio.direct.selfUs)} (client ${f0(stdio.direct.clientUs)})`,
      ],
      [
        'stdio, core path without audit',
        f0(stdio.core.rps),
        ms(stdio.core.p50),
        `gateway ${f0(stdio.core.selfUs)} + upstream ${f0(stdio.core.upstreamUs)} (client ${f0(stdio.core.clientUs)})`,
      ],
      [
        'stdio, mcpgate stdio, audit on Postgres',
        f0(stdio.audited.rps),
        ms(stdio.audited.p50),
        `gateway ${f0(stdio.audited.selfUs)} + upstream ${f0(stdio.audited.upstreamUs)} + Postgres ${f0(stdio.audited.pgUs)} (client ${f0(stdio.audited.clientUs)}; ${stdio.audited.recordsPerCall.toFixed(2)} records, ${stdio.audited.commitsPerCall.toFixed(2)} commits per call)`,
      ],
      [
        `bare INSERT + commit, same Postgres (fsync ${commit.fsync}, synchronous_commit ${commit.sync})`,
        '—',
        ms(commit.p50),
        '—',
      ],
    );
  }
  if (stdio?.audited.steps.length)
    printTable('mcpgate stdio: chain steps, median µs per call (from the response records)', [
      ['step', 'µs'],
      ...stdio.audited.steps.map(([k, v]) => [k, v.toFixed(0)]),
    ]);
  printTable(
    `performance goals (stdio: p50 one call at a time, calls/s with ${IN_FLIGHT} in flight; HTTP: wrk ${WRK_SECONDS} s)`,
    table,
  );
  if (prof) {
    printTable(
      `where mcpgate serve's CPU goes under wrk (node --cpu-prof, samples of the measured ${f0(prof.calls)} calls only)`,
      [
        ['component', 'µs per call', 'share'],
        ...prof.parts
          .filter(([, v]) => v >= 1)
          .map(([c, v]) => [c, v.toFixed(0), `${((100 * v) / prof.total).toFixed(1)} %`]),
        ['total (profiled)', prof.total.toFixed(0), '100 %'],
        ['the same run by /proc (profiler overhead included)', f0(prof.unprofiledUs), ''],
      ],
    );
    printTable('hottest functions (self time, µs per call)', [
      ['function', 'µs'],
      ...prof.top.map(([k, us]) => [k.slice(0, 100), (us / prof.calls).toFixed(1)]),
    ]);
    if (process.env.BENCH_KEEP_PROFILE) console.log(`profile kept in ${prof.profileDir}`);
    if (!process.env.BENCH_KEEP_PROFILE) rmSync(prof.profileDir, { recursive: true, force: true });
  }

  console.log('\ngoals (issue: govern everything and still beat the bare bridges):');
  const mark = (ok) => (ok ? 'MET    ' : 'NOT MET');
  const byName = (w) => http?.find((r) => r.name.startsWith(w) && !r.failedRun);
  const [gw, sg, mp] = [byName('mcpgate serve (API'), byName('supergateway'), byName('mcp-proxy')];
  if (gw && sg && mp) {
    const bridges = [sg, mp];
    const best = Math.max(...bridges.map((b) => b.rps));
    console.log(
      `  ${mark(gw.rps >= 2 * best)} HTTP calls/s >= 2x best bare bridge: ${f0(gw.rps)} vs 2 x ${f0(best)} = ${f0(2 * best)} (${(gw.rps / best).toFixed(2)}x)`,
    );
    console.log(`  ${mark(gw.selfUs <= 300)} HTTP gateway CPU <= 300 µs per call: ${f0(gw.selfUs)} µs`);
    console.log(budget(2 * best, 'wrk', gw.loadUs + gw.upstreamUs + gw.pgUs, gw.selfUs));
  } else if (ONLY !== 'stdio') console.log('  (HTTP goals not measured)');
  const [w1, w2] = [byName('mcpgate serve, workers 1'), byName('mcpgate serve, workers 2')];
  if (w1 && w2) {
    console.log(
      `  workers (server.workers): 1 → ${f0(w1.rps)} calls/s, 2 → ${f0(w2.rps)} calls/s (${(w2.rps / w1.rps).toFixed(2)}x) on ${availableParallelism()} CPUs, load average before the run ${LOAD_BEFORE}`,
    );
  }
  if (stdio) {
    const added = stdio.audited.p50 - stdio.direct.p50;
    console.log(
      `  ${mark(stdio.audited.rps >= 5000)} stdio, audit on Postgres >= 5,000 calls/s with 16 in flight: ${f0(stdio.audited.rps)}`,
    );
    const a = stdio.audited;
    console.log(budget(5000, 'the SDK client', a.clientUs + a.upstreamUs + a.pgUs, a.selfUs));
    console.log(
      `  ${mark(added <= commit.p50 + 0.2)} stdio added p50 over direct <= bare commit p50 + 0.2 ms: ` +
        `${ms(added)} vs ${ms(commit.p50)} + 0.2 ms = ${ms(commit.p50 + 0.2)}`,
    );
  }
} finally {
  await db.drop().catch(() => undefined);
}
