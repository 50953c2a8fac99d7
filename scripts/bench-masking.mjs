#!/usr/bin/env node
// Masking benchmark: throughput (MB/s on one core) of all default detectors on the labelled corpus,
// recall and precision against its labels, and — in the same run, same corpus — the npm library
// `openredaction` as a baseline. Prints numbers; asserts nothing (the tests do that).
//   pnpm build && node scripts/bench-masking.mjs [--seconds N]
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = resolve(root, 'packages/masking');
const { BUILTIN_DETECTORS, Masker, scanText } = await import(
  pathToFileURL(resolve(pkg, 'dist/index.js')).href
);
const { scoreCorpus } = await import(pathToFileURL(resolve(pkg, 'test/corpus/score.mjs')).href);

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 3;

const docs = readFileSync(resolve(pkg, 'test/corpus/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l));
const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
const mb = bytes / (1024 * 1024);

// "Per core" = bytes per second of this process's CPU time (user + system), so a busy machine
// (other processes on the same cores) does not distort the number the way wall time would.
function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function throughput(label, fn) {
  // Warm up (JIT, regex tier-up), then run whole passes over the corpus for about SECONDS of CPU.
  for (let i = 0; i < 3; i++) fn();
  let passes = 0;
  const t0 = cpuSeconds();
  let elapsed = 0;
  while (elapsed < SECONDS) {
    fn();
    passes++;
    elapsed = cpuSeconds() - t0;
  }
  return { label, rate: (mb * passes) / elapsed, passes, elapsed };
}

async function throughputAsync(label, fn, maxSeconds) {
  await fn();
  let passes = 0;
  const t0 = cpuSeconds();
  let elapsed = 0;
  while (elapsed < maxSeconds || passes === 0) {
    await fn();
    passes++;
    elapsed = cpuSeconds() - t0;
  }
  return { label, rate: (mb * passes) / elapsed, passes, elapsed };
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
const line = (r) =>
  `  ${r.label.padEnd(44)} ${r.rate.toFixed(1).padStart(8)} MB/s  (${r.passes} passes, ${r.elapsed.toFixed(1)} s CPU)`;

process.stdout.write(
  `masking bench — corpus: ${docs.length} documents, ${(bytes / 1024).toFixed(0)} KiB, Node ${process.version}\n\n`,
);

// --- mcpgate ---
const detectOurs = (t) =>
  scanText(t, BUILTIN_DETECTORS).map((m) => ({ start: m.start, end: m.end, type: m.detector }));
const masker = new Masker({});
const target = { upstream: 'bench', kind: 'tool', name: 'dump' };
const results = docs.map((d) => ({ content: [{ type: 'text', text: d.text }] }));
const scan = throughput('mcpgate scanText (20 detectors)', () => {
  for (const d of docs) scanText(d.text, BUILTIN_DETECTORS);
});
const mask = throughput('mcpgate Masker.maskResult (tools/call)', () => {
  for (const r of results) masker.maskResult('tools/call', r, target);
});
const typed = scoreCorpus(docs, detectOurs, true);
const untyped = scoreCorpus(docs, detectOurs, false);

// --- baseline: openredaction ---
const require = createRequire(resolve(pkg, 'package.json'));
const orEntry = require.resolve('openredaction');
const orVersion = JSON.parse(readFileSync(resolve(dirname(orEntry), '../package.json'), 'utf8')).version;
const { OpenRedaction } = await import(pathToFileURL(orEntry.replace(/index\.js$/, 'index.mjs')).href);
const redactor = new OpenRedaction({ redactionMode: 'placeholder' });
const orDetections = new Map();
const orPass = async () => {
  for (const d of docs) {
    const r = await redactor.detect(d.text);
    orDetections.set(
      d.id,
      r.detections.map((x) => ({ start: x.position[0], end: x.position[1], type: x.type })),
    );
  }
};
const base = await throughputAsync(`openredaction ${orVersion} detect()`, orPass, Math.min(SECONDS, 10));
const orScore = scoreCorpus(docs, (t) => orDetections.get(docs.find((d) => d.text === t).id) ?? [], false);

process.stdout.write('throughput per core (MB of text per CPU-second):\n');
for (const r of [scan, mask, base]) process.stdout.write(`${line(r)}\n`);
process.stdout.write(`  goal ≥ 50 MB/s: ${scan.rate >= 50 ? 'met' : 'NOT met'}\n\n`);

process.stdout.write('quality on the corpus (a planted value counts when any detection overlaps it):\n');
const q = (label, s) =>
  `  ${label.padEnd(44)} recall ${pct(s.recall).padStart(6)}  precision ${pct(s.precision).padStart(6)}  (${s.found}/${s.planted} found, ${s.fp} false positives)\n`;
process.stdout.write(q('mcpgate (typed: right detector id)', typed));
process.stdout.write(q('mcpgate (any detector)', untyped));
process.stdout.write(q(`openredaction ${orVersion} (any type)`, orScore));

process.stdout.write(
  '\nper type — planted found (mcpgate / openredaction), lookalikes masked (mcpgate / openredaction):\n',
);
for (const [type, s] of Object.entries(untyped.perType).sort()) {
  const o = orScore.perType[type];
  if (s.planted > 0)
    process.stdout.write(
      `  ${type.padEnd(20)} ${`${s.found}/${s.planted}`.padStart(9)} / ${`${o.found}/${o.planted}`.padEnd(9)}\n`,
    );
}
for (const [type, s] of Object.entries(untyped.perType).sort()) {
  const o = orScore.perType[type];
  if (s.lookalikes > 0)
    process.stdout.write(
      `  ${type.padEnd(20)} ${`${s.lookalikeHits}/${s.lookalikes}`.padStart(9)} / ${`${o.lookalikeHits}/${o.lookalikes}`.padEnd(9)} lookalikes masked\n`,
    );
}
