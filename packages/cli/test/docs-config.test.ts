import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO, connectGateway, writeConfig } from './support.js';

/** docs/config.md's "A first config" runs as written: npx upstreams, no other setup. */
const doc = readFileSync(join(REPO, 'docs', 'config.md'), 'utf8');
const section = doc.slice(doc.indexOf('## A first config'));
const firstConfig = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;

const dir = mkdtempSync(join(tmpdir(), 'mcpgate-first-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(path: string): string {
  const r = spawnSync(process.execPath, [CLI, 'validate', '--config', path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout + r.stderr;
}

describe('docs/config.md: A first config', () => {
  it('validates without warnings and serves both upstreams, as the text says', async () => {
    mkdirSync(join(dir, 'sandbox'));
    writeFileSync(join(dir, 'sandbox', 'hello.txt'), 'hello from the first config\n');
    const path = writeConfig(firstConfig, dir);
    expect(validate(path)).toBe('ok: ' + path + ' (2 upstreams)\n');
    // From the config's directory, as a user following the page would run it.
    const gw = await connectGateway(path, { cwd: dir });
    try {
      const names = (await gw.client.listTools()).tools.map((t) => t.name);
      expect(names, gw.stderr.join('\n')).toContain('everything__echo');
      expect(names).toContain('fs__read_file');
      const read = await gw.client.callTool({
        name: 'fs__read_text_file',
        arguments: { path: join(dir, 'sandbox', 'hello.txt') },
      });
      expect(JSON.stringify(read.content)).toContain('hello from the first config');
    } finally {
      await gw.close();
    }
  }, 120_000);

  it('without its policy section, validate warns once per upstream that everything is hidden, with the fix', () => {
    const withoutPolicy = firstConfig.slice(0, firstConfig.indexOf('# The policy'));
    const out = validate(writeConfig(withoutPolicy));
    const warnings = out.split('\n').filter((l) => l.includes('warning:'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('no rule allows anything on upstream "everything" and the default is deny');
    expect(warnings[0]).toContain(
      'Fix: add a rule such as { name: use-everything, match: { upstreams: [everything] }',
    );
    expect(warnings[1]).toContain('upstream "files"');
  });
});
