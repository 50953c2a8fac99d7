import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, type UpstreamEvent } from '@mcpgate/core';
import { mutableServerBin } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { capturingLogger, eventsOf, session, signal, stdioSpec, waitFor } from './helpers.js';

describe('catalog of a legacy upstream (mutable test server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-mutable-'));
  const control = join(dir, 'control.json');
  let pool: McpUpstreamPool;
  let events: UpstreamEvent[];
  const s = session('s1');

  beforeAll(async () => {
    writeFileSync(control, JSON.stringify({ descriptions: {} }));
    pool = createUpstreamPool({
      specs: [
        stdioSpec('mut', process.execPath, [mutableServerBin()], { env: { MUTABLE_CONTROL_FILE: control } }),
        stdioSpec('tiny', process.execPath, [mutableServerBin()], { maxMessageBytes: 2048 }),
        stdioSpec('own', process.execPath, [mutableServerBin()], { sharing: 'per-session' }),
      ],
      logger: capturingLogger(),
    });
    events = eventsOf(pool);
    await pool.start();
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches every page of tools/list (4 pages of up to 3) and only what the upstream declares', () => {
    const tools = pool.catalog('mut').tools.map((t) => t.name);
    expect(tools).toHaveLength(11);
    expect(new Set(tools).size).toBe(11);
    expect(tools).toEqual(expect.arrayContaining(['echo', 'crash', 'filler_1', 'filler_2']));
    // No prompts/resources capability declared → nothing asked, nothing listed.
    expect(pool.catalog('mut').prompts).toEqual([]);
    expect(pool.catalog('mut').resources).toEqual([]);
  });

  it('refetches on notifications/tools/list_changed and emits after the catalog is updated', async () => {
    const conn = await pool.connection('mut', s);
    let seenInEvent: string | undefined;
    pool.onEvent((e) => {
      if (e.type === 'list_changed' && e.upstream === 'mut' && e.kind === 'tools') {
        seenInEvent = pool.catalog('mut').tools.find((t) => t.name === 'echo')?.description as
          string | undefined;
      }
    });
    await conn.request(
      'tools/call',
      { name: 'set_description', arguments: { tool: 'echo', description: 'Now exfiltrates' } },
      { signal: signal() },
    );
    await waitFor(() => seenInEvent === 'Now exfiltrates', 5000, 'list_changed after refetch');
  });

  it('sees changes made through the control file', async () => {
    writeFileSync(control, JSON.stringify({ descriptions: { filler_1: 'changed out of band' } }));
    await waitFor(
      () =>
        pool.catalog('mut').tools.find((t) => t.name === 'filler_1')?.description === 'changed out of band',
      5000,
      'control-file change to reach the catalog',
    );
    expect(events.some((e) => e.type === 'list_changed' && e.upstream === 'mut' && e.kind === 'tools')).toBe(
      true,
    );
  });

  it('emits upstream log messages, tagged with the session on per-session connections', async () => {
    const shared = await pool.connection('mut', s);
    await shared.request(
      'tools/call',
      { name: 'log', arguments: { level: 'warning', data: 'disk low' } },
      { signal: signal() },
    );
    const mine = await pool.connection('own', session('alice'));
    await mine.request(
      'tools/call',
      { name: 'log', arguments: { data: 'only alice' } },
      { signal: signal() },
    );
    const logs = await waitFor(() => {
      const l = events.filter((e) => e.type === 'log');
      return l.length >= 2 ? l : undefined;
    });
    expect(logs).toContainEqual({
      type: 'log',
      upstream: 'mut',
      params: { level: 'warning', logger: 'mutable', data: 'disk low' },
    });
    expect(logs).toContainEqual({
      type: 'log',
      upstream: 'own',
      sessionId: 'alice',
      params: { level: 'info', logger: 'mutable', data: 'only alice' },
    });
  });

  it('refuses an upstream message over maxMessageBytes instead of buffering it', async () => {
    const conn = await pool.connection('tiny', s);
    const small = await conn.request(
      'tools/call',
      { name: 'echo', arguments: { message: 'fits' } },
      { signal: signal() },
    );
    expect(small.content).toEqual([{ type: 'text', text: 'Echo: fits' }]);
    const err = await conn
      .request(
        'tools/call',
        { name: 'echo', arguments: { message: 'x'.repeat(10_000) } },
        { signal: signal() },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('message_too_large');
    expect((err as GatewayError).message).toContain('upstream "tiny" sent a message larger than 2048 bytes');
    // Only that call failed (#11): the same connection serves the next call, with no restart.
    const again = await pool.connection('tiny', s);
    expect(again).toBe(conn);
    const after = await conn.request(
      'tools/call',
      { name: 'echo', arguments: { message: 'still here' } },
      { signal: signal() },
    );
    expect(after.content).toEqual([{ type: 'text', text: 'Echo: still here' }]);
    expect(pool.status().find((st) => st.name === 'tiny')).toMatchObject({ restarts: 0, state: 'ready' });
  });

  it('spawns the child exactly as configured: cwd, and an environment of safe defaults plus env', async () => {
    const where = createUpstreamPool({
      specs: [
        stdioSpec('where', process.execPath, [mutableServerBin()], { cwd: dir, env: { ONLY_THIS: '1' } }),
      ],
      logger: capturingLogger(),
    });
    process.env.MCPGATE_TEST_NOT_FOR_CHILDREN = 'secret';
    try {
      await where.start();
      const conn = await where.connection('where', s);
      const r = await conn.request('tools/call', { name: 'whereami', arguments: {} }, { signal: signal() });
      const { cwd, envKeys } = r.structuredContent as { cwd: string; envKeys: string[] };
      expect(cwd).toBe(dir);
      expect(envKeys).toContain('ONLY_THIS');
      expect(envKeys).not.toContain('MCPGATE_TEST_NOT_FOR_CHILDREN');
      const allowed = new Set(['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'ONLY_THIS']);
      // Node itself may add a few of its own (e.g. none on Linux); nothing of the parent's beyond the allowlist.
      expect(envKeys.filter((k) => !allowed.has(k) && k in process.env)).toEqual([]);
    } finally {
      delete process.env.MCPGATE_TEST_NOT_FOR_CHILDREN;
      await where.close();
    }
  });

  it('a change announced while the first catalog is being fetched is not lost', async () => {
    const racy = createUpstreamPool({
      specs: [
        stdioSpec('racy', process.execPath, [mutableServerBin()], {
          era: 'legacy',
          env: { MUTABLE_CHANGE_DURING_FIRST_LIST: 'echo=changed while listing' },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await racy.start();
      await waitFor(
        () =>
          racy.catalog('racy').tools.find((t) => t.name === 'echo')?.description === 'changed while listing',
        5000,
        'the change to reach the catalog',
      );
    } finally {
      await racy.close();
    }
  });
});
