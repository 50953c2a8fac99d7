#!/usr/bin/env node
/* global process, console, URL */
// Audit ingest benchmark: events/s through the group-committed recorder, on Postgres (when
// reachable: MCPGATE_BENCH_PG_URL, default the local test database) and on embedded PGlite.
// Prints numbers; run after `pnpm build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  AuditRecorder,
  generateSigningKey,
  migrate,
  openPglite,
  openPostgres,
} from '../packages/audit/dist/index.js';

// The root has no dependency on pg; borrow the audit package's.
const pg = createRequire(new URL('../packages/audit/package.json', import.meta.url))('pg');

const PG_URL = process.env.MCPGATE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.MCPGATE_BENCH_SECONDS ?? 5);
const IN_FLIGHT = Number(process.env.MCPGATE_BENCH_IN_FLIGHT ?? 256);

function event(i) {
  return {
    type: 'call.request',
    sessionId: `s_${i % 50}`,
    correlationId: `c_bench_${i}`,
    subject: `os:user${i % 7}`,
    groups: ['dev'],
    method: 'tools/call',
    upstream: 'files',
    target: 'read_file',
    decision: 'allow',
    body: { params: { name: 'files__read_file', arguments: { path: `/tmp/file-${i}.txt` } }, era: 'legacy' },
  };
}

/** Keeps IN_FLIGHT appends outstanding for SECONDS; returns committed events/s. */
async function run(label, store) {
  await migrate(store);
  const { key } = generateSigningKey();
  const rec = await AuditRecorder.start(store, {
    replicaId: `bench-${label}`,
    signingKey: key,
    recover: false,
  });
  let i = 0;
  let done = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const lat = [];
  async function worker() {
    while (Date.now() < deadline) {
      const t0 = process.hrtime.bigint();
      await rec.append(event(i++));
      if (done++ % 50 === 0) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const t0 = Date.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const secs = (Date.now() - t0) / 1000;
  await rec.close();
  lat.sort((a, b) => a - b);
  const p = (q) => lat[Math.floor(q * (lat.length - 1))]?.toFixed(2);
  console.log(
    `${label.padEnd(9)} ${Math.round(done / secs)
      .toLocaleString('en-US')
      .padStart(8)} events/s  ` +
      `(${done} events in ${secs.toFixed(1)} s, ${IN_FLIGHT} in flight, append latency p50 ${p(0.5)} ms p99 ${p(0.99)} ms)`,
  );
  return done / secs;
}

console.log(`audit ingest, ${SECONDS} s per store (goal >= 20,000 events/s sustained)`);
const schema = `bench_${process.pid}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
try {
  const store = await openPostgres({ url: PG_URL, schema });
  try {
    await run('postgres', store);
  } finally {
    await store.close();
  }
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-'));
try {
  const store = await openPglite({ dir });
  try {
    await run('pglite', store);
  } finally {
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
