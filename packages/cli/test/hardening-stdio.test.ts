import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { rawGateway, writeConfig, type RawGateway } from './support.js';

/**
 * #11 over the built `mcpgate stdio`: no input crashes or wedges the process. Each case below
 * killed the process, misreported its cause or answered without the request's id before.
 */
const hostile = join(import.meta.dirname, 'fixtures', 'hostile-upstream.mjs');
const preload = join(import.meta.dirname, 'fixtures', 'defect-preload.mjs');
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('stdio hardening', () => {
  let db: PgDatabase;
  let sql: pg.Client;
  let gw: RawGateway;
  let seq = 0;
  const call = (name: string, args: Record<string, unknown>) => {
    const id = `c-${++seq}`;
    gw.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }));
    return id;
  };
  /** Answers arrive in any order: collect until every id wanted is in. */
  const answers = async (ids: string[]) => {
    const got = new Map<unknown, Record<string, unknown>>();
    while (ids.some((id) => !got.has(id))) {
      const m = await gw.next(30_000);
      if (m.id !== undefined) got.set(m.id, m);
    }
    return ids.map((id) => got.get(id)!);
  };

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_hardening' });
    const config = writeConfig(
      `
policy: { default: allow }
store: { url: ${JSON.stringify(db.url)} }
upstreams:
  h:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(hostile)}]
limits:
  maxMessageBytes: 65536
`,
      mkdtempSync(join(tmpdir(), 'mcpgate-hardening-')),
    );
    gw = rawGateway(config, { NODE_OPTIONS: `--import=${preload}` });
    gw.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    );
    expect(await gw.next(90_000)).toMatchObject({ id: 'init', result: {} });
    gw.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    const code = await gw?.close();
    await sql?.end();
    await db?.drop();
    expect(code).toBe(0);
  });

  it('refuses a 10,000-deep argument with -32600 and its id, naming the limit, and keeps serving', async () => {
    gw.send(
      `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"h__echo","arguments":{"x":${nested(10_000)}}},"id":"deep-1"}`,
    );
    const [refused] = await answers(['deep-1']);
    expect(refused).toMatchObject({
      id: 'deep-1',
      error: {
        code: -32600,
        message: expect.stringMatching(/10003 levels deep.*limits\.maxJsonDepth \(64\)/),
      },
    });
    expect(gw.child.exitCode).toBeNull();
    const [ok] = await answers([call('h__echo', { after: 'deep' })]);
    expect(ok).toMatchObject({ result: { content: [{ text: '{"after":"deep"}' }] } });
  });

  it('answers an oversized request with its id, read past the payload', async () => {
    gw.send(
      `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"h__echo","arguments":{"blob":"${'x'.repeat(200_000)}"}},"id":77}`,
    );
    const [refused] = await answers([77] as unknown as string[]);
    expect(refused).toMatchObject({
      id: 77,
      error: { code: -32600, message: expect.stringMatching(/65536-byte limit/) },
    });
  });

  it('answers a request the protocol schema refuses, instead of leaving it unanswered (found by the fuzz suite)', async () => {
    gw.send('{"jsonrpc":"2.0","id":"meta-1","method":"ping","params":{"_meta":{"progressToken":{"a":1}}}}');
    const [refused] = await answers(['meta-1']);
    expect(refused).toMatchObject({
      id: 'meta-1',
      error: { code: -32600, message: expect.stringMatching(/"params\._meta\.progressToken"/) },
    });
  });

  it('fails only the call whose upstream result is oversized; the shared connection and its other calls carry on', async () => {
    const slow = call('h__slow', { ms: 1500 });
    await new Promise((r) => setTimeout(r, 200));
    const big = call('h__big', { bytes: 200_000 });
    const [bigAnswer] = await answers([big]);
    expect(bigAnswer).toMatchObject({
      error: {
        message: expect.stringMatching(
          /upstream "h" sent a message larger than 65536 bytes while handling tools\/call/,
        ),
      },
    });
    // No restart window: the next call goes through at once, and the slow one finishes.
    const echo = call('h__echo', { right: 'after' });
    const [echoAnswer, slowAnswer] = await answers([echo, slow]);
    expect(echoAnswer).toMatchObject({ result: { content: [{ text: '{"right":"after"}' }] } });
    expect(slowAnswer).toMatchObject({ result: { content: [{ text: 'slow done' }] } });
    expect(gw.stderr.join('\n')).not.toMatch(/upstream connection lost/);
  });

  it('fails only the call whose upstream result is too deep, with an honest status', async () => {
    const deep = call('h__deep', { depth: 5000 });
    const [deepAnswer] = await answers([deep]);
    expect(deepAnswer).toMatchObject({
      error: {
        code: -32012,
        message: expect.stringMatching(
          /upstream "h" answered tools\/call with a message nested more than 64/,
        ),
      },
    });
    const note = call('h__deep_notify', { depth: 5000 });
    const [noteAnswer] = await answers([note]);
    expect(noteAnswer).toMatchObject({ result: { content: [{ text: 'after the deep notification' }] } });
    expect(gw.stderr.join('\n')).not.toMatch(/upstream connection lost/);
  });

  it('logs and records an unexpected rejection or exception as gateway.defect, and keeps serving', async () => {
    gw.child.kill('SIGUSR2');
    const defects = async () =>
      (
        await sql.query<{ body: string }>(
          "SELECT body FROM events WHERE type = 'gateway.defect' ORDER BY seq",
        )
      ).rows;
    for (let i = 0; i < 200 && (await defects()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const bodies = (await defects()).map((r) => JSON.parse(r.body) as { kind: string; error: string });
    expect(bodies.map((b) => [b.kind, b.error])).toEqual([
      ['unhandled-rejection', 'injected defect: unhandled rejection (test)'],
      ['uncaught-exception', 'injected defect: uncaught exception (test)'],
    ]);
    expect(gw.child.exitCode).toBeNull();
    const [ok] = await answers([call('h__echo', { still: 'here' })]);
    expect(ok).toMatchObject({ result: { content: [{ text: '{"still":"here"}' }] } });
  });
});
