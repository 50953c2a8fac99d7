#!/usr/bin/env node
// Peak memory (maxRSS) of `mcpgate audit verify`, `audit export` and `audit report` over a
// generated month (testkit simulateAuditMonth, written through the real recorder) of 100k and 1M
// records on Postgres, and of 100k on the embedded PGlite store. Prints one row per store, size
// and command; the bound stated in docs/audit.md comes from here. Sizes:
// MCPGATE_BENCH_RECORDS=100000,1000000 (Postgres), MCPGATE_BENCH_PGLITE_RECORDS=100000 (0: skip).
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditRecorder,
  migrate,
  openPglite,
  openPostgres,
  signingKeyFromPem,
} from '../packages/audit/dist/index.js';
import { pgSchema, simulateAuditMonth } from '../packages/testkit/dist/index.js';
import { MCPGATE_CLI, BASE_ENV, REPO, printTable } from './bench-util.mjs';

const sizes = (process.env.MCPGATE_BENCH_RECORDS ?? '100000,1000000').split(',').map(Number);
const pgliteSizes = (process.env.MCPGATE_BENCH_PGLITE_RECORDS ?? '100000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const PRELOAD = join(REPO, 'scripts', 'rss-preload.mjs');

function run(args, dir) {
  const rssFile = join(dir, 'rss');
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', PRELOAD, MCPGATE_CLI, ...args], {
    env: { ...BASE_ENV, MCPGATE_BENCH_RSS_FILE: rssFile },
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0 && !(args[1] === 'verify' && r.status === 1))
    throw new Error(`mcpgate ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms: Date.now() - started, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

const rows = [['store', 'records', 'command', 'peak RSS (MiB)', 'seconds']];

/** Generates `n` records into a fresh store, then measures each command against it. */
async function measure(kind, n) {
  const db = kind === 'postgres' ? await pgSchema('mcpgate_bench_mem') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-mem-'));
  try {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    writeFileSync(join(dir, 'audit.key'), pem, { mode: 0o600 });
    writeFileSync(
      join(dir, 'mcpgate.yaml'),
      [
        'upstreams: {}',
        ...(db ? ['store:', `  url: ${JSON.stringify(db.url)}`] : []),
        'audit:',
        '  signingKeyFile: ./audit.key',
        '',
      ].join('\n'),
    );
    const store = db
      ? await openPostgres({ url: db.url })
      : await openPglite({ dir: join(dir, '.mcpgate', 'data') });
    await migrate(store);
    const rec = await AuditRecorder.start(store, { replicaId: 'gw-1', signingKey: signingKeyFromPem(pem) });
    const start = new Date('2026-10-01T00:00:00Z');
    const t = Date.now();
    const truth = await simulateAuditMonth({ recorder: rec, sql: store, start, records: n });
    await rec.close();
    await store.close();
    console.log(`${kind}: generated ${truth.records} records in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const window = ['--from', '2026-10-01', '--to', '2026-11-01'];
    for (const [name, args] of [
      ['audit verify', ['audit', 'verify']],
      ['audit export', ['audit', 'export', '--out', 'audit.jsonl']],
      ['audit report', ['audit', 'report', ...window, '--out', 'pack']],
    ]) {
      const m = run(args, dir);
      rows.push([kind, truth.records, name, m.rssMiB.toFixed(0), (m.ms / 1000).toFixed(1)]);
      console.log(rows.at(-1).join('  '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  }
}

for (const n of sizes) await measure('postgres', n);
for (const n of pgliteSizes) await measure('pglite', n);
printTable('audit commands: peak memory (maxRSS of the CLI process)', rows);
