import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, writeConfig } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'mcpgate-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcpgate serve on a busy port', () => {
  it('fails with a hint before opening the store or starting any upstream', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      // This upstream leaves a file behind the moment it is started.
      const marker = join(dir, 'upstream-started');
      const starter = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); setInterval(() => {}, 1000)`;
      const config = writeConfig(
        [
          'upstreams:',
          `  probe: { command: ${JSON.stringify(process.execPath)}, args: ['-e', ${JSON.stringify(starter)}] }`,
          'policy: { default: allow }',
        ].join('\n'),
        dir,
      );
      const r = spawnSync(process.execPath, [CLI, 'serve', '--config', config, '--port', String(port)], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(r.stderr).toContain('--port N or server.port');
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(join(dir, '.mcpgate'))).toBe(false); // the store was not opened either
    } finally {
      busy.close();
    }
  });
});
