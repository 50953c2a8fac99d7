import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { OUTCOME_UNKNOWN_REASON } from '../src/recorder/records.js';
import type { Store } from '../src/store/types.js';
import { PG_URL, pgSchema, type PgSchema } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));

describe('crash consistency (kill -9 under load, Postgres)', () => {
  let s: PgSchema;
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    s = await pgSchema('crash');
    store = await s.open();
    await migrate(store);
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-crash-'));
  });
  afterAll(async () => {
    await store?.close();
    await s?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every call the upstream received has a request record; open ones become "outcome unknown" on restart', async () => {
    const { pem } = generateSigningKey();
    const received = join(dir, 'received.txt');
    writeFileSync(received, '');
    const child = spawn(process.execPath, [CHILD, PG_URL, s.schema, pem, received], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', () => reject(new Error('crash child exited before it was ready')));
    });
    // Let it run under load until the upstream has seen a good number of calls, then kill -9.
    await expect
      .poll(() => readFileSync(received, 'utf8').split('\n').filter(Boolean).length, { timeout: 30_000 })
      .toBeGreaterThan(400);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const upstreamSaw = readFileSync(received, 'utf8').split('\n').filter(Boolean);
    const requests = await store.query<{ correlation_id: string }>(
      `SELECT correlation_id FROM events WHERE type = 'call.request' AND chain_id = 'crashy:1'`,
    );
    const recorded = new Set(requests.rows.map((r) => r.correlation_id));
    const missing = upstreamSaw.filter((id) => !recorded.has(id));
    expect(missing).toEqual([]);

    const openBefore = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM calls WHERE chain_id = 'crashy:1' AND completed_at IS NULL`,
    );

    // Restart: the same replica's next epoch recovers the dead epoch's open calls.
    const rec = await AuditRecorder.start(store, {
      replicaId: 'crashy',
      signingKey: generateSigningKey().key,
    });
    try {
      expect(rec.chainId).toBe('crashy:2');
      const unknown = await store.query<{ correlation_id: string; body: string; chain_id: string }>(
        `SELECT correlation_id, body, chain_id FROM events WHERE type = 'call.unknown'`,
      );
      expect(unknown.rows.length).toBe(openBefore.rows[0]!.n);
      expect(unknown.rows.every((r) => r.chain_id === 'crashy:2')).toBe(true);
      expect(JSON.parse(unknown.rows[0]!.body).reason).toBe(OUTCOME_UNKNOWN_REASON);
      const stillOpen = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM calls WHERE record_type = 'call.request' AND completed_at IS NULL`,
      );
      expect(stillOpen.rows[0]!.n).toBe(0);
      const outcomes = await store.query<{ outcome: string }>(
        `SELECT DISTINCT outcome FROM calls WHERE chain_id = 'crashy:1' ORDER BY outcome`,
      );
      expect(outcomes.rows.map((r) => r.outcome)).toEqual(['ok', 'unknown']);
    } finally {
      await rec.close();
    }
    // A third start finds nothing left to recover.
    const rec3 = await AuditRecorder.start(store, {
      replicaId: 'crashy',
      signingKey: generateSigningKey().key,
    });
    await rec3.close();
    const again = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'call.unknown'`,
    );
    expect(again.rows[0]!.n).toBe(openBefore.rows[0]!.n);
  });

  it('recovers another replica presumed dead, and again if that chain grows later', async () => {
    const key = generateSigningKey().key;
    const zombie = await AuditRecorder.start(store, { replicaId: 'zombie', signingKey: key, recover: false });
    const open = (id: string) =>
      zombie.append({
        type: 'call.request',
        correlationId: id,
        method: 'tools/call',
        target: 'slow',
        body: {},
      });
    await open('c_zombie_1');
    // Another replica starts and, with a zero grace period, presumes the silent chain dead.
    const other = await AuditRecorder.start(store, {
      replicaId: 'other',
      signingKey: key,
      deadWriterAfterMs: 0,
    });
    await other.close();
    const unknown = async () =>
      (
        await store.query<{ correlation_id: string }>(
          `SELECT correlation_id FROM events WHERE type = 'call.unknown' AND correlation_id LIKE 'c_zombie_%' ORDER BY correlation_id`,
        )
      ).rows.map((r) => r.correlation_id);
    expect(await unknown()).toEqual(['c_zombie_1']);
    // It was alive after all: it records another call, then really dies; its own restart finds it.
    await open('c_zombie_2');
    const restarted = await AuditRecorder.start(store, { replicaId: 'zombie', signingKey: key });
    await restarted.close();
    expect(await unknown()).toEqual(['c_zombie_1', 'c_zombie_2']);
    await zombie.close();
  });
});
