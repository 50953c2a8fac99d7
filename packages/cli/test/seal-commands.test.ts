import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuditRecorder, generateSigningKey, openStore } from '@mcpgate/audit';
import { newNotes, type CallContext } from '@mcpgate/core';
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

  it('RECORD: reads the sealed copy of a call from the store, and records the unsealing first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-seal-'));
    writeFileSync(
      join(dir, 'mcpgate.yaml'),
      'store:\n  dir: ./data\naudit:\n  signingKeyFile: ./audit-signing.key\n',
    );
    expect((await mcpgate(['seal-keygen', '--out', 'keys'], dir)).code).toBe(0);
    const pub = readFileSync(join(dir, 'keys', 'seal-public.pem'), 'utf8');

    // A call as the gateway records it: masked result, raw result sealed into notes.extra.sealed.
    const correlationId = `corr-${Date.now()}`;
    const raw = { content: [{ type: 'text', text: 'card 4242 4242 4242 4242' }] };
    const store = await openStore({ dir: join(dir, 'data') });
    const recorder = await AuditRecorder.start(store, {
      signingKey: generateSigningKey().key,
      replicaId: 'test',
    });
    const ctx: CallContext = {
      correlationId,
      session: {
        id: 'sess-1',
        face: 'stdio',
        era: 'legacy',
        identity: { subject: 'os:tester', groups: [], authMethod: 'local' },
        startedAt: new Date(),
      },
      method: 'tools/call',
      params: { name: 'lookup', arguments: {} },
      target: { kind: 'tool', upstream: 'crm', name: 'lookup' },
      receivedAt: new Date(),
      signal: new AbortController().signal,
      io: {
        progress: () => Promise.resolve(),
        request: () => Promise.resolve({}),
        clientCapabilities: undefined,
      },
      notes: newNotes(),
    };
    await recorder.recordRequest(ctx);
    ctx.notes.recorded = true;
    ctx.notes.masking.push({
      detector: 'card',
      path: 'content[0].text',
      start: 5,
      end: 24,
      count: 1,
      strategy: 'redact',
    });
    ctx.notes.extra.sealed = seal({ result: raw }, pub, correlationId);
    await recorder.recordResponse(ctx, {
      kind: 'result',
      result: { content: [{ type: 'text', text: 'card [REDACTED:card]' }] },
    });
    await recorder.close();
    await store.close();

    const opened = await mcpgate(['audit', 'unseal', correlationId, '--key', 'keys/seal-private.pem'], dir);
    expect(opened.stderr).toContain(correlationId);
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.stdout)).toEqual({ result: raw });

    const missing = await mcpgate(['audit', 'unseal', 'corr-none', '--key', 'keys/seal-private.pem'], dir);
    expect(missing.code).toBe(1);

    const check = await openStore({ dir: join(dir, 'data') });
    try {
      const reads = await check.query<{ body: string | Record<string, unknown> }>(
        "SELECT body FROM events WHERE type = 'audit.read' ORDER BY ts",
      );
      type ReadBody = { action: string; filters: { record: string } };
      const bodies = reads.rows.map((r) =>
        typeof r.body === 'string' ? (JSON.parse(r.body) as ReadBody) : (r.body as unknown as ReadBody),
      );
      expect(bodies.map((b) => [b.action, b.filters.record])).toEqual([
        ['unseal', correlationId],
        ['unseal', 'corr-none'],
      ]);
    } finally {
      await check.close();
    }
  });

  it('needs exactly one of RECORD and --blob', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-seal-'));
    const neither = await mcpgate(['audit', 'unseal', '--key', 'k.pem'], dir);
    expect(neither.code).toBe(2);
    const both = await mcpgate(['audit', 'unseal', 'r1', '--blob', 'b.json', '--key', 'k.pem'], dir);
    expect(both.code).toBe(2);
  });
});
