#!/usr/bin/env node
/* global process, console, URL, AbortController */
// Audit ingest benchmark: events/s through the group-committed recorder, on Postgres (when
// reachable: MCPGATE_BENCH_PG_URL, default the local test database) and on embedded PGlite.
// Prints numbers; run after `pnpm build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  AuditRecorder,
  createAuditSteps,
  generateSigningKey,
  migrate,
  openPglite,
  openPostgres,
} from '../packages/audit/dist/index.js';

import { newCorrelationId, newNotes, runChain } from '../packages/core/dist/index.js';

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

const CHAIN_SEQ = Number(process.env.MCPGATE_BENCH_CHAIN_SEQ ?? 2000);
const identity = { subject: 'os:bench', groups: ['dev'], authMethod: 'local' };
const session = { id: 's_bench', face: 'stdio', era: 'legacy', identity, startedAt: new Date() };
const io = { progress: async () => {}, request: async () => ({}), clientCapabilities: undefined };
const route = {
  name: 'route',
  onRequest(ctx) {
    ctx.target = { kind: 'tool', upstream: 'files', name: 'read', exposedName: 'files__read' };
    return { kind: 'continue' };
  },
};
const result = { content: [{ type: 'text', text: 'hello world' }] };
const forward = async () => ({ kind: 'result', result });

function ctx(i) {
  return {
    correlationId: newCorrelationId(),
    session,
    method: 'tools/call',
    params: { name: 'files__read', arguments: { path: `/tmp/f${i}` } },
    target: { kind: 'gateway' },
    receivedAt: new Date(),
    signal: new AbortController().signal,
    io,
    notes: newNotes(),
  };
}

/** One call at a time (latency added per call) and 16 in flight (calls/s), with and without audit steps. */
async function chainRun(label, store) {
  const { key } = generateSigningKey();
  const rec = await AuditRecorder.start(store, {
    replicaId: `chain-${label}`,
    signingKey: key,
    recover: false,
  });
  const audit = createAuditSteps(rec);
  const withAudit = [audit.outer, route, audit.inner];
  const without = [route];
  const seq = async (steps) => {
    const lat = [];
    for (let i = 0; i < CHAIN_SEQ; i++) {
      const t0 = process.hrtime.bigint();
      await runChain(steps, ctx(i), forward);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    lat.sort((a, b) => a - b);
    return lat[Math.floor(lat.length / 2)];
  };
  const par = async (steps) => {
    let n = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (n < CHAIN_SEQ * 2) await runChain(steps, ctx(n++), forward);
      }),
    );
    return (CHAIN_SEQ * 2) / ((Date.now() - t0) / 1000);
  };
  await seq(withAudit); // warm-up
  const base = await seq(without);
  const audited = await seq(withAudit);
  const rps = await par(withAudit);
  await rec.close();
  console.log(
    `${label.padEnd(9)} chain with audit: +${(audited - base).toFixed(3)} ms p50 per call (request commit awaited, response in the background), ` +
      `${Math.round(rps).toLocaleString('en-US')} calls/s with 16 in flight`,
  );
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
    await chainRun('postgres', store);
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
    await chainRun('pglite', store);
  } finally {
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
