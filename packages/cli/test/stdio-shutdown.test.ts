import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { everythingBin } from '@mcpgate/testkit';
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

  it('answers every request already received when stdin ends, then exits (printf … | mcpgate stdio)', () => {
    const config = writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, stdio]
policy: { default: allow }
store: { dir: ./data }
`);
    const rpc = (id: number, method: string, params: Record<string, unknown>) =>
      JSON.stringify({ jsonrpc: '2.0', id, method, params });
    // Everything is written at once and stdin closed right after: the calls are still running
    // (one takes a second) when the gateway sees the end of its input.
    const input = [
      rpc(1, 'initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'pipe', version: '1' },
      }),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      rpc(2, 'tools/call', {
        name: 'ev__trigger-long-running-operation',
        arguments: { duration: 1, steps: 2 },
      }),
      rpc(3, 'tools/call', { name: 'ev__echo', arguments: { message: 'piped' } }),
      '',
    ].join('\n');
    const out = spawnSync(process.execPath, [CLI, 'stdio', '--config', config], {
      input,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const answers = out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id?: number; result?: { content?: { text?: string }[] } });
    const byId = new Map(answers.filter((a) => a.id !== undefined).map((a) => [a.id, a]));
    expect(byId.get(2)?.result?.content?.[0]?.text).toMatch(/Long running operation completed/i);
    expect(byId.get(3)?.result?.content?.[0]?.text).toBe('Echo: piped');
  });
});
