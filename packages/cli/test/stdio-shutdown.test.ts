import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, rawGateway, writeConfig } from './support.js';

/**
 * The embedded store holds no socket open, so nothing but our own shutdown keeps the process
 * alive once the client closes stdin: the gateway must still finish its shutdown — flush the
 * audit, record writer.stopped and sign a final checkpoint — before it exits.
 */
describe('clean shutdown on stdin EOF with the embedded store', () => {
  it('signs a final checkpoint before the process exits', async () => {
    const config = writeConfig(`
upstreams:
  probe:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(join(import.meta.dirname, 'fixtures', 'id-probe.mjs'))}]
policy: { default: allow }
store: { dir: ./data }
`);
    const raw = rawGateway(config);
    raw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    );
    await raw.next(90_000);
    raw.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    raw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'probe__seen_id', arguments: {} },
      }),
    );
    await raw.next();
    expect(await raw.close()).toBe(0);
    expect(raw.stderr.some((l) => l.includes('"msg":"stopped"'))).toBe(true);

    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--config', config, '--json'], {
      encoding: 'utf8',
    });
    expect(verify.status, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; checkpoints: number; warnings: string[] };
    expect(report.ok).toBe(true);
    // The gateway's chain is signed through its last record: no "after the last checkpoint" warning for it.
    expect(report.checkpoints).toBeGreaterThanOrEqual(1);
    expect(report.warnings.filter((w) => !w.includes('cli-'))).toEqual([]);
  });
});
