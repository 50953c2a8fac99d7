import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importedNames, unusedExports } from '../../../scripts/unused-exports.mjs';
import { REPO } from './support.js';

describe("each package's index.ts exports only what others use", () => {
  it('no export is unused outside its package (node scripts/unused-exports.mjs lists them)', () => {
    expect(unusedExports()).toEqual({});
  });

  it('reads the import forms the workspace uses', () => {
    const file = join(REPO, 'scripts', 'x.mjs');
    const text = [
      "import { a, type B, c as d } from '@mcpgate/core';",
      "import type { E } from '@mcpgate/core';",
      "export { f } from '@mcpgate/core';",
      "const { g, h: k } = await import('@mcpgate/core');",
      "import * as ns from '../packages/core/dist/index.js'; ns.i(); ns.j;",
      "import { z } from '@mcpgate/config';",
      "import { y } from '../packages/core/src/other.js';",
    ].join('\n');
    expect([...importedNames(file, text, 'core')].sort()).toEqual([
      'B',
      'E',
      'a',
      'c',
      'f',
      'g',
      'h',
      'i',
      'j',
    ]);
  });
});
