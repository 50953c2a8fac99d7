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
