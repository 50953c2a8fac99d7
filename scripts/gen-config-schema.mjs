#!/usr/bin/env node
// Writes packages/config/schema/mcpgate.schema.json and the generated key tables of docs/config.md
// from the section schemas in packages/config/src/schema/ (via the built package), or with --check
// fails when either committed file differs — CI runs the check so neither drifts from the source.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = resolve(root, 'packages/config/dist/index.js');
const referenceEntry = resolve(root, 'packages/config/dist/reference.js');
const target = resolve(root, 'packages/config/schema/mcpgate.schema.json');
const docTarget = resolve(root, 'docs/config.md');
const BEGIN = '<!-- BEGIN GENERATED: config keys (pnpm schema:gen) -->';
const END = '<!-- END GENERATED: config keys -->';
const shown = (p) => relative(process.cwd(), p) || p;

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--check');
if (unknown.length > 0) {
  process.stderr.write(
    `gen-config-schema: unknown argument ${unknown.join(' ')}\nusage: node scripts/gen-config-schema.mjs [--check]\n`,
  );
  process.exit(2);
}
const check = args.includes('--check');

if (!existsSync(entry) || !existsSync(referenceEntry))
  fail(`${shown(entry)} is missing — run \`pnpm build\` first`);

const { configSchema } = await import(pathToFileURL(entry).href);
const { renderKeyReference } = await import(pathToFileURL(referenceEntry).href);
// Key order follows the source modules (deterministic); symbol-keyed loader marks are dropped.
const outputs = [
  { path: target, text: `${JSON.stringify(configSchema, null, 2)}\n` },
  { path: docTarget, text: await renderDoc() },
];

if (check) {
  let stale = 0;
  for (const { path, text } of outputs) {
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (committed === text) {
      process.stdout.write(`schema:check: ${shown(path)} is up to date\n`);
      continue;
    }
    stale++;
    const why = committed === undefined ? 'does not exist' : firstDifference(committed, text);
    process.stderr.write(
      `schema:check: ${shown(path)} is out of date with packages/config/src/schema/ (${why}).\n`,
    );
  }
  if (stale > 0) {
    process.stderr.write('Run `pnpm build && pnpm schema:gen` and commit the result.\n');
    process.exit(1);
  }
  process.exit(0);
}

for (const { path, text } of outputs) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`schema:gen: wrote ${shown(path)}\n`);
}

/** docs/config.md with the block between the markers regenerated, formatted as prettier would. */
async function renderDoc() {
  if (!existsSync(docTarget)) fail(`${shown(docTarget)} is missing`);
  const doc = readFileSync(docTarget, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) fail(`${shown(docTarget)} lacks the markers ${BEGIN} … ${END}`);
  const next = `${doc.slice(0, start + BEGIN.length)}\n\n${renderKeyReference(configSchema)}\n${doc.slice(end)}`;
  // The doc is prettier-formatted like every markdown file; format the same way so the check is stable.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(docTarget)) ?? {};
  return prettier.format(next, { ...options, filepath: docTarget });
}

function fail(message) {
  process.stderr.write(`gen-config-schema: ${message}\n`);
  process.exit(2);
}

function firstDifference(a, b) {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `first difference at line ${i + 1}`;
  }
  return 'differs';
}
