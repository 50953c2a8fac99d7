#!/usr/bin/env node
// Lists the names each workspace package's src/index.ts exports that nothing outside the package
// imports (other packages' sources and tests, scripts, examples, the console's web code). A
// package's public surface is what others use; its own tests import the files they test, not
// index.ts. Exits 1 when any such export exists (packages/cli/test/unused-exports.test.ts runs it).
// Usage: node scripts/unused-exports.mjs [--json]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = join(REPO, 'packages');
const SKIP = new Set(['node_modules', 'dist', 'coverage', '.cache']);
const CODE = /\.(ts|tsx|mts|mjs|js)$/;

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : CODE.test(e.name) ? [p] : [];
  });
}

/** `a, type B, c as d` → the exported (or imported) names on the left of `as`. */
function names(list) {
  return list
    .split(',')
    .map((s) => s.trim().replace(/^type\s+/, ''))
    .filter(Boolean)
    .map((s) => s.split(/\s+as\s+/)[0].trim());
}

/** Names exported by a package's index.ts (it only re-exports, by name). */
function exportsOf(pkg) {
  const index = join(PACKAGES, pkg, 'src', 'index.ts');
  if (!existsSync(index)) return [];
  const text = readFileSync(index, 'utf8');
  const out = [];
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const s of m[1]
      .split(',')
      .map((x) => x.trim().replace(/^type\s+/, ''))
      .filter(Boolean)) {
      const parts = s.split(/\s+as\s+/);
      out.push((parts[1] ?? parts[0]).trim());
    }
  }
  for (const m of text.matchAll(
    /export\s+(?:declare\s+)?(?:const|function|class|interface|type|enum)\s+(\w+)/g,
  ))
    out.push(m[1]);
  return out;
}

/** Which module specifiers mean "the public surface of pkg" when seen from `file`. */
function isSurfaceOf(spec, pkg, file) {
  if (spec === `@mcpgate/${pkg}`) return true;
  if (!spec.startsWith('.')) return false;
  const to = resolve(dirname(file), spec);
  const root = join(PACKAGES, pkg);
  return to === join(root, 'dist', 'index.js') || to === join(root, 'dist') || to === root;
}

/** Names file imports from pkg's public surface; '*' when it takes the whole namespace. */
export function importedNames(file, text, pkg) {
  const used = new Set();
  const add = (list) => names(list).forEach((n) => used.add(n));
  for (const m of text.matchAll(/import\s+(type\s+)?([\w$]+\s*,\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g))
    if (isSurfaceOf(m[4], pkg, file)) add(m[3]);
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g))
    if (isSurfaceOf(m[2], pkg, file)) add(m[1]);
  for (const m of text.matchAll(/\{([^}]*)\}\s*=\s*await\s+import\(\s*['"]([^'"]+)['"]\s*\)/g))
    if (isSurfaceOf(m[2], pkg, file)) add(m[1].replace(/:\s*[\w$]+/g, ''));
  for (const m of text.matchAll(/import\s+\*\s+as\s+([\w$]+)\s+from\s*['"]([^'"]+)['"]/g)) {
    if (!isSurfaceOf(m[2], pkg, file)) continue;
    for (const u of text.matchAll(new RegExp(`\\b${m[1]}\\.([\\w$]+)`, 'g'))) used.add(u[1]);
  }
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)\.([\w$]+)/g))
    if (isSurfaceOf(m[1], pkg, file)) used.add(m[2]);
  return used;
}

export function unusedExports() {
  const pkgs = readdirSync(PACKAGES).filter((p) => existsSync(join(PACKAGES, p, 'package.json')));
  const files = [
    ...pkgs.flatMap((p) => walk(join(PACKAGES, p)).map((f) => ({ f, owner: p }))),
    ...walk(join(REPO, 'scripts')).map((f) => ({ f, owner: undefined })),
    ...walk(join(REPO, 'examples')).map((f) => ({ f, owner: undefined })),
  ];
  const texts = files.map(({ f, owner }) => ({ f, owner, text: readFileSync(f, 'utf8') }));
  const report = {};
  for (const pkg of pkgs) {
    const used = new Set();
    const mentions = [];
    for (const { f, owner, text } of texts) {
      if (!text.includes(pkg)) continue;
      // A package's own files use its surface only through the built entry (child-process fixtures).
      if (owner === pkg && !text.includes('dist/index.js')) continue;
      for (const n of importedNames(f, text, pkg)) used.add(n);
      // Plain-JS tooling may load a built entry through a computed path (`await import(href)`):
      // there, any mention of a name counts as a use.
      if (/\.(mjs|js)$/.test(f) && (text.includes(`packages/${pkg}`) || text.includes(`@mcpgate/${pkg}`)))
        mentions.push(text);
    }
    const mentioned = (n) => mentions.some((t) => new RegExp(`\\b${n}\\b`).test(t));
    const unused = exportsOf(pkg).filter((n) => !used.has(n) && !mentioned(n));
    if (unused.length > 0) report[pkg] = unused.sort();
  }
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = unusedExports();
  const total = Object.values(report).reduce((n, l) => n + l.length, 0);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (total === 0)
    process.stdout.write('unused-exports: every index.ts export is used by another package\n');
  else {
    for (const [pkg, list] of Object.entries(report)) {
      process.stdout.write(
        `packages/${pkg}/src/index.ts: ${list.length} export(s) used by no other package\n`,
      );
      for (const n of list) process.stdout.write(`  ${n}\n`);
    }
    process.stdout.write(`${relative(process.cwd(), REPO) || '.'}: ${total} unused export(s)\n`);
  }
  process.exit(total === 0 ? 0 : 1);
}
