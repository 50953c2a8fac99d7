#!/usr/bin/env node
// Writes packages/config/schema/mcpgate.schema.json from the section schemas in
// packages/config/src/schema/ (via the built package), or with --check fails when the committed
// file differs — CI runs the check so the published schema never drifts from its source.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = resolve(root, 'packages/config/dist/index.js');
const target = resolve(root, 'packages/config/schema/mcpgate.schema.json');
const shown = relative(process.cwd(), target) || target;

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  process.stderr.write(
    `gen-config-schema: unknown argument ${unknown.join(' ')}\nusage: node scripts/gen-config-schema.mjs [--check]\n`,
  );
  process.exit(2);
}
const check = args.includes('--check');

if (!existsSync(entry)) {
  process.stderr.write(
    `gen-config-schema: ${relative(process.cwd(), entry)} is missing — run \`pnpm build\` first\n`,
  );
  process.exit(2);
}

const { configSchema } = await import(pathToFileURL(entry).href);
// Key order follows the source modules (deterministic); symbol-keyed loader marks are dropped.
const text = `${JSON.stringify(configSchema, null, 2)}\n`;

if (check) {
  const committed = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  if (committed === text) {
    process.stdout.write(`schema:check: ${shown} is up to date\n`);
    process.exit(0);
  }
  const why = committed === undefined ? 'does not exist' : firstDifference(committed, text);
  process.stderr.write(
    `schema:check: ${shown} is out of date with packages/config/src/schema/ (${why}).\n` +
      'Run `pnpm build && pnpm schema:gen` and commit the result.\n',
  );
  process.exit(1);
}

mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, text);
process.stdout.write(`schema:gen: wrote ${shown}\n`);

function firstDifference(a, b) {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `first difference at line ${i + 1}`;
  }
  return 'differs';
}
