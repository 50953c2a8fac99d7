#!/usr/bin/env node
// `pnpm bench`: runs every benchmark script (scripts/bench-*.mjs) in one go and prints their
// numbers. Each compares against its own baseline measured in the same run.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './bench-util.mjs';

const only = process.argv[2];
const scripts = readdirSync(join(REPO, 'scripts'))
  .filter((f) => /^bench-(?!util).*\.mjs$/.test(f))
  .filter((f) => !only || f.includes(only))
  .sort();
let failed = 0;
for (const s of scripts) {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', s)], { stdio: 'inherit', cwd: REPO });
  if (r.status !== 0) {
    failed++;
    console.error(`benchmark ${s} exited with ${r.status}`);
  }
}
process.exitCode = failed ? 1 : 0;
