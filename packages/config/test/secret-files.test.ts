import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/load.js';
import { SECRET_FILE_MAX_BYTES } from '../src/secret-file.js';
import { yaml } from './helpers.js';

const BIN = fileURLToPath(new URL('../../cli/bin/mcpgate.js', import.meta.url));

// `${file:…}` on the real file system: only regular files of at most 1 MiB are read. A FIFO must
// not hang `validate`, /dev/zero must not be read for ever, a directory gets a clear error.
describe('${file:…} secret files are type-checked and capped', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-secret-files-'));
    mkdirSync(join(dir, 'a-dir'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    writeFileSync(join(dir, 'big'), Buffer.alloc(SECRET_FILE_MAX_BYTES + 1, 'a'));
    writeFileSync(join(dir, 'at-cap'), Buffer.alloc(SECRET_FILE_MAX_BYTES, 'b'));
    writeFileSync(join(dir, 'token'), 'tok\n');
    symlinkSync(join(dir, 'token'), join(dir, 'linked-token'));
  });

  const config = (refs: Record<string, string>) =>
    yaml(
      'upstreams:',
      '  a:',
      '    command: npx',
      '    env:',
      ...Object.entries(refs).map(([k, v]) => `      ${k}: "\${file:${v}}"`),
    );

  it('refuses a FIFO, a device, a directory and a file over 1 MiB, naming reference and YAML path', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, config({ PIPE: 'fifo', ZERO: '/dev/zero', DIR: 'a-dir', BIG: 'big' }));
    const r = await loadConfig({ path, env: {}, cwd: dir });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line} ${e.path}: ${e.message}`)).toEqual([
      `5 upstreams.a.env.PIPE: \${file:fifo} cannot be resolved: ${dir}/fifo is a named pipe (FIFO), not a regular file`,
      '6 upstreams.a.env.ZERO: ${file:/dev/zero} cannot be resolved: /dev/zero is a character device, not a regular file',
      `7 upstreams.a.env.DIR: \${file:a-dir} cannot be resolved: ${dir}/a-dir is a directory, not a regular file`,
      `8 upstreams.a.env.BIG: \${file:big} cannot be resolved: ${dir}/big is larger than 1048576 bytes (1 MiB), the limit for a secret file`,
    ]);
  });

  it('reads regular files up to the cap, through symbolic links', async () => {
    const path = join(dir, 'good.yaml');
    writeFileSync(path, config({ T: 'linked-token', CAP: 'at-cap' }));
    const r = await loadConfig({ path, env: {}, cwd: dir });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.upstreams[0]!.env.T).toBe('tok');
    expect(r.config.upstreams[0]!.env.CAP).toHaveLength(SECRET_FILE_MAX_BYTES);
  });

  it('`mcpgate validate` answers at once for a config referencing a FIFO (built CLI)', () => {
    const path = join(dir, 'fifo.yaml');
    writeFileSync(path, config({ PIPE: 'fifo' }));
    const r = spawnSync(process.execPath, [BIN, 'validate', '--config', path], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal).toBeNull(); // not killed by the timeout: it did not hang
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('upstreams.a.env.PIPE: ${file:fifo} cannot be resolved');
    expect(r.stderr).toContain('is a named pipe (FIFO), not a regular file');
  });
});
