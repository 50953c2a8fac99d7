import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { seal } from '@mcpgate/masking';
import { describe, expect, it } from 'vitest';
import { CLI } from './support.js';

const run = promisify(execFile);

async function mcpgate(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('mcpgate seal-keygen / audit unseal', () => {
  it('creates a key pair, and a sealed record opens with that key only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-seal-'));
    const gen = await mcpgate(['seal-keygen', '--out', 'keys'], dir);
    expect(gen.code).toBe(0);
    const pub = readFileSync(join(dir, 'keys', 'seal-public.pem'), 'utf8');
    expect(statSync(join(dir, 'keys', 'seal-private.pem')).mode & 0o777).toBe(0o600);
    expect((await mcpgate(['seal-keygen', '--out', 'keys'], dir)).code).toBe(1); // never overwrites

    const payload = { result: { content: [{ type: 'text', text: 'jane.doe@example.com' }] } };
    // What the audit store holds in a response record: the blob under body.extra.sealed.
    const record = { type: 'call.response', body: { extra: { sealed: seal(payload, pub, 'corr-42') } } };
    writeFileSync(join(dir, 'record.json'), JSON.stringify(record));
    const opened = await mcpgate(
      ['audit', 'unseal', '--blob', 'record.json', '--key', 'keys/seal-private.pem'],
      dir,
    );
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.stdout)).toEqual(payload);
    expect(opened.stderr).toContain('corr-42');

    const wrongCorr = await mcpgate(
      [
        'audit',
        'unseal',
        '--blob',
        'record.json',
        '--key',
        'keys/seal-private.pem',
        '--expect-correlation',
        'x',
      ],
      dir,
    );
    expect(wrongCorr.code).toBe(1);

    await mcpgate(['seal-keygen', '--out', 'other'], dir);
    const wrong = await mcpgate(
      ['audit', 'unseal', '--blob', 'record.json', '--key', 'other/seal-private.pem'],
      dir,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/does not open this blob/);
    expect(wrong.stdout).not.toContain('jane');
  });

  it('asks for --blob when given a record id (no audit query API yet)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-seal-'));
    const r = await mcpgate(['audit', 'unseal', 'some-record', '--key', 'k.pem'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--blob/);
  });
});
