import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, serveStoreControl, type Store } from '../src/index.js';
import type { ControlServer } from '../src/store/control-server.js';

/** The uid/gid of Debian's `nobody`: an OS user other than the store's owner. */
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * Who may connect to the control socket is decided by the kernel from file modes alone (Node has no
 * peer-credential API; docs/security.md says why none is needed). This connects as another OS
 * user for real, which takes root to switch users: CI runs as root; elsewhere the case is reported
 * as skipped, never passed.
 */
describe.skipIf(!isRoot)('control channel: another OS user cannot connect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-control-peer-'));
  let owner: Store;
  let control: ControlServer;

  beforeAll(async () => {
    owner = await openStore({ dir });
    control = await serveStoreControl(owner, dir);
  });
  afterAll(async () => {
    await control?.close();
    await owner?.close();
  });

  /** Tries to connect as `nobody`; returns the error code, or `connected`. */
  function connectAsNobody(): string {
    const script = `require('node:net').connect(${JSON.stringify(control.path)})
      .on('connect', () => { process.stdout.write('connected'); process.exit(0); })
      .on('error', (e) => { process.stdout.write(e.code); process.exit(0); });`;
    const r = spawnSync(process.execPath, ['-e', script], {
      uid: NOBODY,
      gid: NOBODY,
      encoding: 'utf8',
      cwd: '/',
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  }

  it('is refused by the owner-only store directory', () => {
    expect(connectAsNobody()).toBe('EACCES');
  });

  it('is refused by the socket mode alone when the directory is open (a store copied with cp -r)', () => {
    chmodSync(dir, 0o755);
    try {
      expect(connectAsNobody()).toBe('EACCES');
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('still serves its owner', async () => {
    const { openControlStore } = await import('../src/store/control-client.js');
    const other = await openControlStore(control.path, dir);
    try {
      expect((await other.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      await other.close();
    }
  });
});
