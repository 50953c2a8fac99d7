#!/usr/bin/env node
// Packs the publishable `mcpgate` package (docs/install.md, docs/decisions/0002-one-published-package.md).
//
//   node scripts/release.mjs [--out DIR]      (after `pnpm build`; default DIR: ./release)
//
// 1. `pnpm pack` every workspace package the CLI needs, in dependency order: pnpm rewrites each
//    `workspace:*` range to the real version, and packs exactly the package's `files`.
// 2. Assembles one package named `mcpgate`: the CLI's packed contents, with the internal packages
//    unpacked under node_modules/@mcpgate/ and listed in bundleDependencies, and the union of
//    their third-party dependencies declared at the top.
// 3. `npm pack` of that directory → DIR/mcpgate-<version>.tgz, the one file to publish.
//
// Prints the tarball's path on stdout (last line). Publishing is a manual step (docs/install.md).
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO } from './bench-util.mjs';

/** Published name of the CLI package (checked free on the registry; see the decision record). */
export const PUBLISHED_NAME = 'mcpgate';

const outIdx = process.argv.indexOf('--out');
const OUT = resolve(outIdx > 0 ? process.argv[outIdx + 1] : join(REPO, 'release'));

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** Workspace packages by name → directory, and the CLI's internal dependency closure in dependency order. */
function internalClosure() {
  const dirs = new Map();
  for (const d of readdirSync(join(REPO, 'packages'))) {
    const pkg = readJson(join(REPO, 'packages', d, 'package.json'));
    dirs.set(pkg.name, { dir: join(REPO, 'packages', d), pkg });
  }
  const order = [];
  const visit = (name) => {
    if (order.includes(name)) return;
    const entry = dirs.get(name);
    for (const [dep, range] of Object.entries(entry.pkg.dependencies ?? {})) {
      if (String(range).startsWith('workspace:')) visit(dep);
    }
    order.push(name);
  };
  visit('@mcpgate/cli');
  return order.map((name) => ({ name, ...dirs.get(name) }));
}

function packAll(packages, into) {
  const tarballs = new Map();
  for (const p of packages) {
    if (p.pkg.private) throw new Error(`${p.name} is private but the CLI depends on it`);
    const before = new Set(readdirSync(into));
    run('pnpm', ['pack', '--pack-destination', into], p.dir);
    const made = readdirSync(into).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (made.length !== 1) throw new Error(`pnpm pack in ${p.dir} produced ${made.length} tarballs`);
    tarballs.set(p.name, join(into, made[0]));
  }
  return tarballs;
}

function unpack(tarball, dest) {
  mkdirSync(dest, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1'], REPO);
}

function assemble(packages, tarballs, stage) {
  const cli = packages.find((p) => p.name === '@mcpgate/cli');
  unpack(tarballs.get(cli.name), stage);
  const internal = packages.filter((p) => p !== cli);
  const thirdParty = {};
  for (const p of packages) {
    const packed = p === cli ? readJson(join(stage, 'package.json')) : undefined;
    const deps = (packed ?? p.pkg).dependencies ?? {};
    for (const [dep, range] of Object.entries(deps)) {
      if (dep.startsWith('@mcpgate/')) continue;
      // The first (innermost) package's range wins; a disagreement would be a workspace bug.
      thirdParty[dep] ??= range;
    }
  }
  for (const p of internal) {
    const dir = join(stage, 'node_modules', p.name);
    unpack(tarballs.get(p.name), dir);
    // npm treats every dependency of a bundled package as part of the bundle too, and would leave
    // empty directories for the ones not in the tarball; declared at the top instead, they are
    // installed from the registry and found by Node's upward node_modules lookup.
    const pkg = readJson(join(dir, 'package.json'));
    pkg.dependencies = Object.fromEntries(
      Object.entries(pkg.dependencies ?? {}).filter(([dep]) => dep.startsWith('@mcpgate/')),
    );
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  }
  // Source maps point at sources that are not shipped, and build info is tsc's incremental state.
  for (const f of readdirSync(stage, { recursive: true })) {
    if (f.endsWith('.map') || f.endsWith('.tsbuildinfo')) rmSync(join(stage, f));
  }

  const manifest = readJson(join(stage, 'package.json'));
  const root = readJson(join(REPO, 'package.json'));
  const published = {
    ...manifest,
    name: PUBLISHED_NAME,
    dependencies: Object.fromEntries(
      [...Object.entries(thirdParty), ...internal.map((p) => [p.name, p.pkg.version])].sort(([a], [b]) =>
        a.localeCompare(b),
      ),
    ),
    bundleDependencies: internal.map((p) => p.name),
    engines: manifest.engines ?? root.engines,
  };
  delete published.devDependencies;
  delete published.private;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'SECURITY.md']) {
    copyFileSync(join(REPO, f), join(stage, f));
  }
  return published;
}

const work = mkdtempSync(join(tmpdir(), 'mcpgate-release-'));
try {
  const packages = internalClosure();
  const packed = join(work, 'packed');
  mkdirSync(packed);
  const tarballs = packAll(packages, packed);
  const stage = join(work, 'stage');
  const manifest = assemble(packages, tarballs, stage);
  mkdirSync(OUT, { recursive: true });
  const name = run('npm', ['pack', '--silent', '--pack-destination', OUT], stage).trim().split('\n').pop();
  process.stderr.write(
    `packed ${manifest.name}@${manifest.version} (bundles ${manifest.bundleDependencies.join(', ')})\n`,
  );
  process.stdout.write(`${join(OUT, name)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
