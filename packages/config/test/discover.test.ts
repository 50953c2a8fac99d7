import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConfigPath } from '../src/discover.js';

describe('findConfigPath: --config, then MCPGATE_CONFIG, then ./mcpgate.yaml', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-discover-'));
    mkdirSync(join(dir, 'conf'));
    for (const f of ['mcpgate.yaml', 'flag.yaml', 'conf/env.yaml'])
      writeFileSync(join(dir, f), 'upstreams: {}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the flag wins over the environment and the default, relative to cwd', () => {
    expect(findConfigPath({ flag: 'flag.yaml', env: { MCPGATE_CONFIG: 'conf/env.yaml' }, cwd: dir })).toEqual(
      {
        ok: true,
        path: join(dir, 'flag.yaml'),
        source: 'flag',
      },
    );
  });

  it('MCPGATE_CONFIG wins over ./mcpgate.yaml', () => {
    expect(findConfigPath({ env: { MCPGATE_CONFIG: 'conf/env.yaml' }, cwd: dir })).toEqual({
      ok: true,
      path: join(dir, 'conf/env.yaml'),
      source: 'env',
    });
  });

  it('falls back to ./mcpgate.yaml; an empty MCPGATE_CONFIG counts as unset', () => {
    expect(findConfigPath({ flag: undefined, env: { MCPGATE_CONFIG: '' }, cwd: dir })).toEqual({
      ok: true,
      path: join(dir, 'mcpgate.yaml'),
      source: 'default',
    });
  });

  it('a given source that does not exist is an error, not a fallback', () => {
    const r = findConfigPath({ flag: 'missing.yaml', env: { MCPGATE_CONFIG: 'conf/env.yaml' }, cwd: dir });
    expect(r).toEqual({
      ok: false,
      message: `config file not found (--config: ${join(dir, 'missing.yaml')} does not exist)`,
      tried: [`--config: ${join(dir, 'missing.yaml')} does not exist`],
    });
    const e = findConfigPath({ env: { MCPGATE_CONFIG: 'nope.yaml' }, cwd: dir });
    expect(e.ok).toBe(false);
    if (!e.ok)
      expect(e.tried).toEqual([
        '--config: not given',
        `MCPGATE_CONFIG: ${join(dir, 'nope.yaml')} does not exist`,
      ]);
  });

  it('lists everything it tried when nothing is found', () => {
    const empty = join(dir, 'conf');
    const r = findConfigPath({ env: {}, cwd: empty });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.tried).toEqual([
      '--config: not given',
      'MCPGATE_CONFIG: not set',
      `./mcpgate.yaml: ${join(empty, 'mcpgate.yaml')} does not exist`,
    ]);
    expect(r.message).toBe(`config file not found (${r.tried.join('; ')})`);
  });
});
