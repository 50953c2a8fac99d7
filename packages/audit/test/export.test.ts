import { mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChain } from '@mcpgate/core';
import { generateSigningKey } from '../src/chain/keys.js';
import { exportAudit } from '../src/export/export.js';
import { verifyExportFile } from '../src/export/verify-file.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import type { Store } from '../src/store/types.js';
import { callCtx, policyStep, routeStep, session } from './fixtures.js';
import { backends, type Backend } from './helpers.js';

async function exportTo(store: Store, file: string, format: 'jsonl' | 'csv', window: { from?: Date } = {}) {
  const out = createWriteStream(file);
  const summary = await exportAudit(store, {
    format,
    ...window,
    write: async (chunk) => {
      if (!out.write(chunk)) await once(out, 'drain');
    },
  });
  out.end();
  await once(out, 'close');
  return summary;
}

for (const make of backends('export')) {
  describe('export with chain proof, verified offline', () => {
    let b: Backend;
    let store: Store;
    let dir: string;
    const key = generateSigningKey().key;
    let middle: Date;

    beforeAll(async () => {
      b = await make();
      store = await b.open();
      await migrate(store);
      dir = mkdtempSync(join(tmpdir(), 'mcpgate-export-'));
      const rec = await AuditRecorder.start(store, { replicaId: 'exp', signingKey: key });
      const audit = createAuditSteps(rec);
      const steps = [audit.outer, routeStep, policyStep, audit.inner];
      const s = session();
      await rec.sessionStarted(s);
      for (let i = 0; i < 40; i++) {
        if (i === 20) {
          await rec.checkpoint();
          await new Promise((r) => setTimeout(r, 20));
          middle = new Date();
        }
        const name = i % 10 === 9 ? 'files__rm' : 'files__read';
        const ctx = callCtx(s, 'tools/call', {
          name,
          arguments: { path: `/tmp/${i}`, note: 'comma, "quote"\nnewline' },
        });
        await runChain(steps, ctx, () =>
          Promise.resolve({ kind: 'result', result: { content: [{ type: 'text', text: `line ${i}` }] } }),
        );
      }
      await rec.sessionEnded(s.id);
      await rec.close();
    });
    afterAll(async () => {
      await store?.close();
      await b?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const format of ['jsonl', 'csv'] as const) {
      it(`${format}: verifies offline, and fails after one line is edited`, async () => {
        const file = join(dir, `audit.${format}`);
        const summary = await exportTo(store, file, format);
        expect(summary.events).toBeGreaterThan(70);
        const good = await verifyExportFile(file, { trustedKeys: [key.publicKey] });
        expect(good.problems).toEqual([]);
        expect(good.ok).toBe(true);
        expect(good.events).toBe(summary.events);

        // Edit one line: one event's recorded path.
        const text = readFileSync(file, 'utf8');
        const lines = text.split(format === 'csv' ? '\r\n' : '\n');
        const idx = lines.findIndex((l) => l.includes('/tmp/13'));
        expect(idx).toBeGreaterThan(0);
        lines[idx] = lines[idx]!.replace('/tmp/13', '/tmp/31');
        const edited = join(dir, `edited.${format}`);
        writeFileSync(edited, lines.join(format === 'csv' ? '\r\n' : '\n'));
        const bad = await verifyExportFile(edited);
        expect(bad.ok).toBe(false);
        expect(bad.problems[0]).toMatchObject({ chain: 'exp:1', kind: 'modified' });

        // Drop one event line.
        const dropped = lines.filter((_, i) => i !== idx);
        writeFileSync(edited, dropped.join(format === 'csv' ? '\r\n' : '\n'));
        const missing = await verifyExportFile(edited);
        expect(missing.problems[0]).toMatchObject({ chain: 'exp:1', kind: 'missing' });
      });
    }

    it('exports a time window: the range from the window start verifies on its own', async () => {
      const file = join(dir, 'window.jsonl');
      const summary = await exportTo(store, file, 'jsonl', { from: middle });
      const full = await exportTo(store, join(dir, 'full.jsonl'), 'jsonl');
      expect(summary.events).toBeLessThan(full.events);
      const report = await verifyExportFile(file);
      expect(report.ok).toBe(true);
      expect(report.checkpoints).toBeGreaterThanOrEqual(1); // the final checkpoint is inside the window
    });

    it('refuses a file that is not an export', async () => {
      const file = join(dir, 'junk.jsonl');
      writeFileSync(file, '{"hello":1}\n');
      await expect(verifyExportFile(file)).rejects.toThrow(/not an audit export/);
    });
  });
}
