import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/load.js';

const DOC = fileURLToPath(new URL('../../../docs/config.md', import.meta.url));
const SCHEMA_COMMENT = '# yaml-language-server: $schema=';

/** The ```yaml blocks of docs/config.md that are complete configs (they start with the schema comment). */
function examples(): string[] {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.filter((b) => b.startsWith(SCHEMA_COMMENT));
}

describe('docs/config.md examples', () => {
  it('has complete examples, each pointing editors at the schema', () => {
    expect(examples().length).toBeGreaterThanOrEqual(3);
    for (const text of examples()) {
      expect(text.split('\n')[0]).toMatch(/packages\/config\/schema\/mcpgate\.schema\.json$/);
    }
  });

  it.each(examples().map((text, i) => [i + 1, text] as const))(
    'example %i loads without errors',
    async (_n, text) => {
      // Secrets the examples reference: any variable name and any file resolve to a placeholder.
      const env: Record<string, string> = new Proxy(
        {},
        {
          get: (_t, name) => `placeholder-${String(name)}`,
        },
      );
      const r = await loadConfig({
        path: 'mcpgate.yaml',
        cwd: '/srv/gw',
        env,
        readFile: (p) => Promise.resolve(p === '/srv/gw/mcpgate.yaml' ? text : 'placeholder\n'),
      });
      expect(r.ok ? [] : r.errors).toEqual([]);
    },
  );
});
