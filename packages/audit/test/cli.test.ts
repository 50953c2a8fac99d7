import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChain } from '@mcpgate/core';
import { loadOrCreateSigningKey } from '../src/chain/keys.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import { openStore } from '../src/store/open.js';
import { callCtx, policyStep, routeStep, session } from './fixtures.js';

// The built CLI (pnpm build runs before the tests): these check the commands end to end.
const BIN = fileURLToPath(new URL('../../cli/bin/mcpgate.js', import.meta.url));

function cli(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('mcpgate migrate / audit … (embedded store, end to end)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-cli-'));
    writeFileSync(join(dir, 'mcpgate.yaml'), 'upstreams: {}\naudit:\n  retention: 1d\n');
    // A gateway run: the same store and key the CLI will find from the config.
    const store = await openStore({ dir: join(dir, '.mcpgate/data') });
    const { key } = loadOrCreateSigningKey(join(dir, '.mcpgate/audit-signing.key'));
    const rec = await AuditRecorder.start(store, { replicaId: 'gw', signingKey: key });
    const audit = createAuditSteps(rec);
    const steps = [audit.outer, routeStep, policyStep, audit.inner];
    const s = session('s_cli');
    await rec.sessionStarted(s);
    for (const name of ['files__read', 'files__rm', 'files__read'])
      await runChain(steps, callCtx(s, 'tools/call', { name, arguments: { path: '/srv/x' } }), () =>
        Promise.resolve({
          kind: 'result',
          result: { content: [{ type: 'text', text: 'secret-ish output' }] },
        }),
      );
    await rec.sessionEnded(s.id);
    await rec.close();
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate reports a current schema', async () => {
    const r = await cli(dir, ['migrate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/schema is current/);
  });

  it('query filters and formats', async () => {
    const table = await cli(dir, ['audit', 'query', '--since', '1h', '--decision', 'deny', '--width', '120']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/os:alice +tools\/call +files\/rm +deny policy_denied/);
    expect(table.stdout).toMatch(/1 call\(s\)/);
    const jsonl = await cli(dir, ['audit', 'query', '--tool', 'files__read', '--format', 'jsonl']);
    const rows = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string });
    expect(rows.map((r: { outcome: string }) => r.outcome)).toEqual(['ok', 'ok']);
    const bad = await cli(dir, ['audit', 'query', '--format', 'xml']);
    expect(bad.code).toBe(2);
  });

  it('sessions and replay', async () => {
    const s = await cli(dir, ['audit', 'sessions']);
    expect(s.stdout).toMatch(/os:alice +stdio\/legacy +test-client 1\.0\.0 +3 +s_cli/);
    const r = await cli(dir, ['audit', 'replay', 's_cli']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/session started/);
    expect(r.stdout).toMatch(/✖ tools\/call files__rm {2}refused policy_denied/);
    const none = await cli(dir, ['audit', 'replay', 's_nope']);
    expect(none.code).toBe(1);
  });

  it('replay fits 80 columns by default and --width N when given, losing no event', async () => {
    const lines = (text: string): string[] => text.trimEnd().split('\n');
    const wide = await cli(dir, ['audit', 'replay', 's_cli', '--width', '400']);
    // The unfitted timeline is wider than 80, or the fitting below proves nothing.
    expect(Math.max(...lines(wide.stdout).map((l) => [...l].length))).toBeGreaterThan(80);
    const narrow = await cli(dir, ['audit', 'replay', 's_cli']);
    expect(narrow.code).toBe(0);
    for (const l of lines(narrow.stdout)) expect([...l].length, l).toBeLessThanOrEqual(80);
    const at50 = await cli(dir, ['audit', 'replay', 's_cli', '--width', '50']);
    for (const l of lines(at50.stdout)) expect([...l].length, l).toBeLessThanOrEqual(50);
    // Every event still starts its own line under a time stamp.
    const starts = (text: string): number => lines(text).filter((l) => /^\d\d:\d\d/.test(l)).length;
    expect(starts(narrow.stdout)).toBe(starts(wide.stdout));
    expect(starts(at50.stdout)).toBe(starts(wide.stdout));
    expect(narrow.stdout).toMatch(/refused policy_denied/);
    const bad = await cli(dir, ['audit', 'replay', 's_cli', '--width', 'ten']);
    expect(bad.code).toBe(2);
  });

  it('verify, export, offline verify of the file; a one-line edit fails with exit 1', async () => {
    const v = await cli(dir, ['audit', 'verify']);
    expect(v.stdout).toMatch(/^OK: \d+ records in \d+ chain\(s\)/);
    expect(v.code).toBe(0);
    const file = join(dir, 'out.jsonl');
    const e = await cli(dir, ['audit', 'export', '--out', file]);
    expect(e.code).toBe(0);
    const f = await cli(dir, ['audit', 'verify', '--file', file]);
    expect(f.code).toBe(0);
    const edited = readFileSync(file, 'utf8').replace('secret-ish output', 'innocent output');
    writeFileSync(join(dir, 'edited.jsonl'), edited);
    const bad = await cli(dir, ['audit', 'verify', '--file', join(dir, 'edited.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAILED.*\nfirst bad record: chain gw:1 seq \d+ — modified/);
  });

  it('report on the embedded store: a signed pack that verifies offline and names an edited file', async () => {
    const pack = join(dir, 'pack');
    const r = await cli(dir, ['audit', 'report', '--since', '1h', '--out', pack]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/chain verification: verified/);
    const data = JSON.parse(readFileSync(join(pack, 'report.json'), 'utf8')) as {
      sections: { queries: { id: string; rows: Record<string, unknown>[] }[] }[];
    };
    const rows = (id: string) => data.sections.flatMap((x) => x.queries).find((q) => q.id === id)!.rows;
    expect(rows('denials_by_rule')).toEqual([{ rule: 'no-rm', denials: 1, identities: 1 }]);
    const ok = await cli(dir, ['audit', 'verify', '--report', pack]);
    expect(ok.stdout).toMatch(/^OK: evidence pack .* 3 file\(s\) match the signed manifest/);
    expect(ok.code).toBe(0);
    const html = readFileSync(join(pack, 'index.html'), 'utf8');
    writeFileSync(join(pack, 'index.html'), html.replace('mcpgate audit evidence report', 'edited'));
    const bad = await cli(dir, ['audit', 'verify', '--report', pack]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAILED: evidence pack[^\n]*\n {2}index\.html: edited after signing/);
    const again = await cli(dir, ['audit', 'report', '--since', '1h', '--out', pack]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty/);
  });

  it('long commands draw a progress bar on a terminal, and none when piped', async () => {
    // A real pseudo-terminal (util-linux `script`), so stderr.isTTY is true in the CLI.
    const onTty = (args: string[]) =>
      new Promise<string>((resolve) => {
        const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
        execFile(
          'script',
          ['-qec', cmd, '/dev/null'],
          { cwd: dir, env: { PATH: process.env.PATH ?? '' } },
          (_e, out) => resolve(out),
        );
      });
    const verify = await onTty(['audit', 'verify']);
    expect(verify).toMatch(/\rverifying [█░]{30} 100% \(\d+\/\d+\)/);
    expect(verify).toMatch(/OK: \d+ records/);
    const exported = await onTty(['audit', 'export', '--out', join(dir, 'tty.jsonl')]);
    expect(exported).toMatch(/\rexporting [█░]{30} 100%/);
    const report = await onTty(['audit', 'report', '--since', '1h', '--out', join(dir, 'tty-pack')]);
    expect(report).toMatch(/\rquerying [█░]{30} \d+%/);
    // Piped (as every other test here runs the CLI): no bar, no control characters.
    const piped = await cli(dir, ['audit', 'verify']);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).not.toMatch(/\r|verifying/);
  });

  it('records every read of the audit', async () => {
    const r = await cli(dir, ['audit', 'query', '--user', 'os:alice', '--format', 'json']);
    expect(r.code).toBe(0);
    const store = await openStore({ dir: join(dir, '.mcpgate/data') });
    try {
      const reads = await store.query<{ method: string; body: string }>(
        `SELECT method, body FROM events WHERE type = 'audit.read' ORDER BY ts`,
      );
      const actions = reads.rows.map((x) => x.method);
      expect(actions).toEqual(
        expect.arrayContaining([
          'audit.query',
          'audit.sessions',
          'audit.replay',
          'audit.verify',
          'audit.export',
          'audit.report',
        ]),
      );
      expect(JSON.parse(reads.rows.at(-1)!.body).filters).toEqual({ user: 'os:alice' });
    } finally {
      await store.close();
    }
  });

  it('purge refuses a cutoff inside the retention', async () => {
    const r = await cli(dir, ['audit', 'purge', '--before', new Date().toISOString()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inside the configured retention/);
  });
});
