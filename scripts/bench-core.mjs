#!/usr/bin/env node
// Core data-path benchmark: tools/call latency (p50/p99) and throughput, direct stdio to
// server-everything versus the same upstream through `mcpgate stdio`, measured in one run.
// Prints numbers; asserts nothing (a benchmark, not a test).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin, pgSchema } from '@mcpgate/testkit';
import { percentile, printTable, REPO } from './bench-util.mjs';

const SEQ = Number(process.env.BENCH_SEQ ?? 3000);
const PAR_TOTAL = Number(process.env.BENCH_PAR ?? 6000);
const IN_FLIGHT = 16;

async function connect(command, args, env = {}) {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command,
      args,
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'ignore',
    }),
  );
  return client;
}

const call = (client, i) =>
  client.request({ method: 'tools/call', params: { name: client.__tool, arguments: { message: `m${i}` } } });

async function measure(client) {
  for (let i = 0; i < 300; i++) await call(client, i); // warm-up: JIT, caches
  const lat = [];
  for (let i = 0; i < SEQ; i++) {
    const t0 = process.hrtime.bigint();
    await call(client, i);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < PAR_TOTAL) await call(client, next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), rps: PAR_TOTAL / seconds };
}

export async function benchCore() {
  const direct = await connect(process.execPath, [everythingBin(), 'stdio']);
  direct.__tool = 'echo';
  const d = await measure(direct);
  await direct.close();

  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-'));
  const config = join(dir, 'mcpgate.yaml');
  writeFileSync(
    config,
    `upstreams:\n  everything:\n    alias: ev\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(everythingBin())}, "stdio"]\n    era: legacy\nlogging: { level: warn }\npolicy: { default: allow }\nstore: { dir: ${JSON.stringify(join(dir, 'data'))} }\n`,
  );
  const core = await connect(process.execPath, [
    join(REPO, 'scripts/bench-harness/core-gateway.mjs'),
    process.execPath,
    everythingBin(),
    'stdio',
  ]);
  core.__tool = 'ev__echo';
  const c = await measure(core);
  await core.close();

  const gw = await connect(process.execPath, [
    join(REPO, 'packages/cli/bin/mcpgate.js'),
    'stdio',
    '--config',
    config,
  ]);
  gw.__tool = 'ev__echo';
  const g = await measure(gw);
  await gw.close();

  // The same with the audit on a real Postgres (store.url), when one is reachable.
  let p;
  let db;
  try {
    db = await pgSchema({ prefix: 'mcpgate_bench' });
  } catch (err) {
    console.log(`(no Postgres for the store.url row: ${err.message.split('\n')[0]})`);
  }
  if (db) {
    const pgConfig = join(dir, 'mcpgate-pg.yaml');
    writeFileSync(
      pgConfig,
      `upstreams:\n  everything:\n    alias: ev\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(everythingBin())}, "stdio"]\n    era: legacy\nlogging: { level: warn }\npolicy: { default: allow }\nstore: { url: ${JSON.stringify(db.url)} }\naudit: { signingKeyFile: ${JSON.stringify(join(dir, 'pg-signing.key'))} }\n`,
    );
    const gwPg = await connect(process.execPath, [
      join(REPO, 'packages/cli/bin/mcpgate.js'),
      'stdio',
      '--config',
      pgConfig,
    ]);
    gwPg.__tool = 'ev__echo';
    p = await measure(gwPg);
    await gwPg.close();
    await db.drop();
  }

  printTable('core: tools/call echo over stdio (server-everything)', [
    ['path', 'p50 ms', 'p99 ms', `calls/s (${IN_FLIGHT} in flight)`],
    ['direct', d.p50.toFixed(3), d.p99.toFixed(3), d.rps.toFixed(0)],
    ['core path (no audit)', c.p50.toFixed(3), c.p99.toFixed(3), c.rps.toFixed(0)],
    ['mcpgate stdio (audit on)', g.p50.toFixed(3), g.p99.toFixed(3), g.rps.toFixed(0)],
    ...(p
      ? [['mcpgate stdio (audit on Postgres)', p.p50.toFixed(3), p.p99.toFixed(3), p.rps.toFixed(0)]]
      : []),
    ['ratio core/direct', (c.p50 / d.p50).toFixed(2), (c.p99 / d.p99).toFixed(2), (c.rps / d.rps).toFixed(2)],
    [
      'ratio mcpgate/direct',
      (g.p50 / d.p50).toFixed(2),
      (g.p99 / d.p99).toFixed(2),
      (g.rps / d.rps).toFixed(2),
    ],
  ]);
  console.log(`core path added p50: ${(c.p50 - d.p50).toFixed(3)} ms (target: <= 0.3 ms)`);
  console.log(
    `with audit (embedded PGlite) added p50: ${(g.p50 - d.p50).toFixed(3)} ms (target: <= 0.5 ms); ` +
      `${g.rps.toFixed(0)} calls/s with ${IN_FLIGHT} in flight (target: >= 2500)`,
  );
  if (p) {
    console.log(
      `with audit (Postgres) added p50: ${(p.p50 - d.p50).toFixed(3)} ms (target: <= 0.5 ms); ` +
        `${p.rps.toFixed(0)} calls/s with ${IN_FLIGHT} in flight (target: >= 2500)`,
    );
  }
  return { direct: d, core: c, gateway: g, postgres: p };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCore();
