import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_TOPOLOGY } from '../../../scripts/package-topology.mjs';
import { REPO } from './support.js';

const PACKAGES = join(REPO, 'packages');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('package topology (dependencies point inward to core)', () => {
  const topology = PACKAGE_TOPOLOGY as Record<string, readonly string[]>;
  const pkgs = readdirSync(PACKAGES).filter((p) => !p.startsWith('.'));

  it('declares every workspace package', () => {
    expect(pkgs.sort()).toEqual(Object.keys(topology).sort());
  });

  for (const pkg of pkgs) {
    it(`${pkg} imports only what it may, and declares it`, () => {
      const allowed = new Set(topology[pkg]);
      const manifest = JSON.parse(readFileSync(join(PACKAGES, pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@mcpgate/'))
        .map((d) => d.slice('@mcpgate/'.length));
      expect(
        declared.filter((d) => !allowed.has(d)),
        'package.json dependencies',
      ).toEqual([]);
      const src = join(PACKAGES, pkg, 'src');
      const bad: string[] = [];
      for (const file of sources(src)) {
        for (const spec of specifiers(file)) {
          if (spec.startsWith('@mcpgate/')) {
            const target = spec.slice('@mcpgate/'.length).split('/')[0]!;
            if (target !== pkg && !allowed.has(target)) bad.push(`${relative(REPO, file)} → ${spec}`);
          } else if (spec.startsWith('.')) {
            const to = resolve(dirname(file), spec);
            if (!to.startsWith(join(PACKAGES, pkg) + '/')) bad.push(`${relative(REPO, file)} → ${spec}`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }
});

/**
 * Import cycles inside a package (type-only imports included: a cycle of types is still two
 * modules that cannot be understood apart). The ones listed are known and waiting to be broken;
 * a new cycle fails, and so does a listed one that is gone (remove it from the list).
 */
const KNOWN_CYCLES = [
  'auth/src/client/oauth.ts -> auth/src/client/register.ts -> auth/src/client/post-json.ts -> auth/src/client/oauth.ts',
  'cli/src/command.ts -> cli/src/options.ts -> cli/src/command.ts',
  'core/src/chain.ts -> core/src/upstream-side.ts -> core/src/chain.ts',
];

function cyclesOf(pkg: string): string[] {
  const files = sources(join(PACKAGES, pkg, 'src'));
  const graph = new Map(
    files.map((f) => [
      f,
      specifiers(f)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts')),
    ]),
  );
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (f: string, stack: string[]): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (!graph.has(t)) continue;
      if (state.get(t) === 'open')
        found.push([...stack.slice(stack.indexOf(t)), t].map((x) => relative(PACKAGES, x)).join(' -> '));
      else if (!state.has(t)) visit(t, stack);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f, []);
  return found;
}

describe('no import cycles inside a package', () => {
  const pkgs = readdirSync(PACKAGES).filter((p) => !p.startsWith('.'));
  const all = pkgs.flatMap(cyclesOf);
  it('finds exactly the known cycles (upstream has none)', () => {
    expect(all.sort()).toEqual([...KNOWN_CYCLES].sort());
    expect(all.filter((c) => c.startsWith('upstream/'))).toEqual([]);
  });
});

describe('docs/architecture.md shows the topology as declared', () => {
  it('its package table lists every package with exactly what it may import', () => {
    const doc = readFileSync(join(REPO, 'docs', 'architecture.md'), 'utf8');
    const section = doc.slice(
      doc.indexOf('## Packages'),
      doc.indexOf('\n## ', doc.indexOf('## Packages') + 1),
    );
    const rows = section
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|').map((c) => c.trim()));
    const shown = Object.fromEntries(
      rows.map((cells) => {
        const deps = cells[cells.length - 2]!;
        return [cells[1]!.replace(/`/g, ''), deps === '—' ? [] : deps.split(/,\s*/)];
      }),
    );
    expect(shown).toEqual(PACKAGE_TOPOLOGY);
  });
});
