import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open.js';
import { serveStoreControl, type ControlServer } from '../src/store/control-server.js';
import { type Store } from '../src/store/types.js';

/** A second process's view of an embedded store held by a running gateway (here: this process). */
describe('local control channel of the embedded store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-control-'));
  let owner: Store;
  let control: ControlServer;
  let other: Store;

  beforeAll(async () => {
    owner = await openStore({ dir });
    await owner.query('CREATE TABLE t (id int PRIMARY KEY, at timestamptz, note text)');
    control = await serveStoreControl(owner, dir);
  });
  afterAll(async () => {
    await other?.close();
    await control?.close();
    await owner?.close();
  });

  it('is an owner-only socket in the store directory', () => {
    expect(statSync(control.path).mode & 0o777).toBe(0o600);
    expect(control.path).toBe(join(dir, 'control.sock'));
  });

  it('runs statements, keeps value types, commits and rolls back transactions, and carries NOTIFY', async () => {
    const { openControlStore } = await import('../src/store/control-client.js');
    other = await openControlStore(control.path, dir);
    const at = new Date('2026-12-01T10:00:00.000Z');
    await other.query('INSERT INTO t VALUES ($1, $2, $3)', [1, at, 'one']);
    const row = (await owner.query<{ at: Date }>('SELECT at FROM t WHERE id = 1')).rows[0]!;
    expect(row.at.toISOString()).toBe(at.toISOString());
    const back = (await other.query<{ at: Date }>('SELECT at FROM t WHERE id = 1')).rows[0]!;
    expect(back.at).toBeInstanceOf(Date);

    await other.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (2, now(), $1)', ['two']);
    });
    await expect(
      other.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (3, now(), $1)', ['three']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const ids = (await owner.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);
    expect(ids).toEqual([1, 2]);
    await expect(other.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);

    const heard: string[] = [];
    await owner.listen('chan', (p) => heard.push(`owner:${p}`));
    const off = await other.listen('chan', (p) => heard.push(`other:${p}`));
    await other.notify('chan', 'from-cli');
    await owner.notify('chan', 'from-gateway');
    await expect
      .poll(() => heard.sort())
      .toEqual(['other:from-cli', 'other:from-gateway', 'owner:from-cli', 'owner:from-gateway']);
    await off();
  });
});
