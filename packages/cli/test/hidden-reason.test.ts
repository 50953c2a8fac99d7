import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everythingBin } from '@mcpgate/testkit';
import { CLI, connectGateway, writeConfig } from './support.js';

/**
 * Hidden means hidden to the caller ("unknown tool"), never to the operator: the refused call's
 * audit record and its log line say it was hidden by policy, and why.
 */
describe('a call hidden by policy', () => {
  it('answers "unknown tool" but the audit record and the log name the reason', async () => {
    const path = writeConfig(
      [
        'upstreams:',
        '  ev:',
        `    command: ${JSON.stringify(process.execPath)}`,
        `    args: [${JSON.stringify(everythingBin())}, stdio]`,
        'policy:',
        '  default: deny',
        '  rules:',
        '    - { name: only-admins, match: { groups: [admins], upstreams: [ev] }, action: allow }',
      ].join('\n'),
    );
    const gw = await connectGateway(path);
    let correlation = '';
    try {
      expect((await gw.client.listTools()).tools).toEqual([]);
      const refused = await gw.client.callTool({ name: 'ev__echo', arguments: { message: 'x' } }).then(
        () => 'answered',
        (e: Error) => e.message,
      );
      expect(refused).toContain('unknown tool "ev__echo"');
      correlation = /correlation id (c_\w+)/.exec(refused)![1]!;
    } finally {
      await gw.close();
    }
    const line = gw.stderr
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.correlationId === correlation);
    expect(line).toMatchObject({
      code: 'unknown_tool',
      decision: 'deny',
      rule: 'default',
      reason: 'hidden from this caller, who may never call it (no rule matched; default is deny)',
    });
    const q = spawnSync(process.execPath, [CLI, 'audit', 'query', '--format', 'json', '--config', path], {
      encoding: 'utf8',
      cwd: dirname(path),
    });
    expect(q.status, q.stderr).toBe(0);
    const rows = JSON.parse(q.stdout) as {
      correlationId: string;
      outcome: string;
      request: { request: { decision: unknown } };
    }[];
    const row = rows.find((r) => r.correlationId === correlation);
    expect(row!.outcome).toBe('unknown_tool');
    expect(row!.request.request.decision).toMatchObject({
      action: 'deny',
      reason: 'hidden from this caller, who may never call it (no rule matched; default is deny)',
    });
  }, 60_000);
});
