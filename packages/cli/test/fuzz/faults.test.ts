import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { writeConfig } from '../support.js';
import { rawInitialize, startServe, type ServeProcess } from '../http-support.js';
import { writeAuditKey } from '../oidc-support.js';
import { fuzzBudget } from './grammar.js';
import {
  expectNothingForwardedWithoutRecord,
  INIT,
  rssBytes,
  startStdio,
  type StdioUnderTest,
} from './harness.js';

/**
 * Faults under load (#11): an upstream crashing with calls in flight, the audit store cut with
 * calls in flight (a real Postgres whose backends serving the gateway are terminated), a client
 * that stops reading, and stalled HTTP clients. Each asserts that the process stays alive, memory
 * stays bounded, every request is answered exactly once, and the upstream received nothing
 * without a committed request record. MCPGATE_FUZZ_ITERATIONS scales the rounds (docs/security.md).
 */
const hostile = join(import.meta.dirname, '..', 'fixtures', 'hostile-upstream.mjs');
const MIB = 1024 * 1024;
const rounds = Math.max(1, Math.min(50, Math.round(fuzzBudget(400).frames / 100)));

function config(db: PgDatabase, log: string, extra = ''): string {
  return writeConfig(
    `
policy: { default: allow }
store: { url: ${JSON.stringify(db.url)} }
upstreams:
  h:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(hostile)}]
    env: { HOSTILE_LOG: ${JSON.stringify(log)}, HOSTILE_PG_URL: ${JSON.stringify(db.url)} }
    restart: { initialDelay: 100ms }
limits: { maxMessageBytes: 262144 }
${extra}`,
    mkdtempSync(join(tmpdir(), 'mcpgate-faults-')),
  );
}

describe('faults under load: stdio', () => {
  let db: PgDatabase;
  let gw: StdioUnderTest;
  let admin: pg.Client;
  const log = join(mkdtempSync(join(tmpdir(), 'mcpgate-faults-log-')), 'upstream.jsonl');
  const nonces = new Set<string>();
  let seq = 0;
  /** Sends one call and returns its id. */
  const send = async (name: string, args: Record<string, unknown> = {}) => {
    const id = `f-${++seq}`;
    const nonce = `n_${id}`;
    nonces.add(nonce);
    await gw.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: `h__${name}`, arguments: { nonce, ...args } },
      }) + '\n',
    );
    return id;
  };
  const expectOnce = (ids: string[]) => {
    for (const id of ids) expect(gw.answers.get(id)?.length, `${id} answered`).toBe(1);
  };
  /** Retries an echo until it succeeds (the upstream restarting, the store coming back). */
  const untilServing = async () => {
    for (let i = 0; i < 100; i++) {
      const id = await send('echo');
      await gw.waitFor([id], 30_000);
      if ('result' in gw.answers.get(id)![0]!) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the gateway did not serve again');
  };

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_faults' });
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    gw = startStdio(config(db, log));
    await gw.write(JSON.stringify(INIT) + '\n');
    await gw.waitFor(['init'], 90_000);
    await gw.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  });
  afterAll(async () => {
    const code = await gw?.close();
    await admin?.end();
    await db?.drop();
    expect(code).toBe(0);
  });

  it(
    'an upstream crash under load fails its in-flight calls once each; the gateway restarts it',
    { timeout: 300_000 },
    async () => {
      for (let r = 0; r < rounds; r++) {
        const ids: string[] = [];
        for (let i = 0; i < 16; i++) ids.push(await send(i % 4 === 0 ? 'slow' : 'echo', { ms: 200 }));
        ids.push(await send('big', { bytes: 400_000 }));
        ids.push(await send('crash'));
        await gw.waitFor(ids, 60_000);
        expectOnce(ids);
        await untilServing();
      }
      expect(gw.child.exitCode).toBeNull();
      expectNothingForwardedWithoutRecord(log, nonces);
    },
  );

  it(
    'a store cut under load refuses calls ("not executed") or serves them, never forwards unrecorded',
    { timeout: 300_000 },
    async () => {
      const rssStart = rssBytes(gw.child.pid!);
      const terminate = () =>
        admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'mcpgate' AND pid <> pg_backend_pid()`,
        );
      let refused = 0;
      for (let r = 0; r < rounds * 2; r++) {
        const ids: string[] = [];
        const cut = (async () => {
          for (let k = 0; k < 3; k++) {
            await terminate();
            await new Promise((res) => setTimeout(res, 5));
          }
        })();
        for (let i = 0; i < 16; i++) ids.push(await send('echo'));
        await cut;
        await gw.waitFor(ids, 60_000);
        expectOnce(ids);
        for (const id of ids) {
          const a = gw.answers.get(id)![0]! as {
            result?: unknown;
            error?: { code: number; message: string };
          };
          if (a.error) {
            refused++;
            expect(a.error, id).toMatchObject({
              code: -32040,
              message: expect.stringMatching(/call not executed/),
            });
          }
        }
        await untilServing();
      }
      expect(gw.child.exitCode).toBeNull();
      expect(rssBytes(gw.child.pid!) - rssStart).toBeLessThan(256 * MIB);
      const forwarded = expectNothingForwardedWithoutRecord(log, nonces);
      console.log(
        `store cut: ${rounds * 2} rounds × 16 calls, ${refused} refused, ${forwarded} forwarded in all`,
      );
    },
  );

  it(
    'a client that stops reading gets every answer once when it reads again; memory stays bounded',
    { timeout: 300_000 },
    async () => {
      const rssStart = rssBytes(gw.child.pid!);
      gw.child.stdout.pause();
      const ids: string[] = [];
      for (let i = 0; i < 120; i++) ids.push(await send('big', { bytes: 150_000 }));
      // While stalled: the gateway holds at most what is in flight (the pipe applies backpressure).
      await new Promise((r) => setTimeout(r, 1500));
      const rssStalled = rssBytes(gw.child.pid!);
      gw.child.stdout.resume();
      await gw.waitFor(ids, 120_000);
      expectOnce(ids);
      expect(gw.child.exitCode).toBeNull();
      expect(rssStalled - rssStart).toBeLessThan(256 * MIB);
    },
  );
});

describe('faults under load: HTTP', () => {
  let db: PgDatabase;
  let gw: ServeProcess;
  let sid: string;
  const log = join(mkdtempSync(join(tmpdir(), 'mcpgate-faults-log-')), 'upstream.jsonl');

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_faults_http' });
    const path = config(db, log, 'audit: { signingKeyFile: ./audit-signing.pem }\nserver: { port: 0 }');
    writeAuditKey(path);
    gw = await startServe(path);
    sid = await rawInitialize(gw.url);
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await db?.drop();
  });

  const call = async (id: string, name: string, args: Record<string, unknown>) => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: `h__${name}`, arguments: args },
      }),
    });
    return { status: res.status, text: await res.text() };
  };

  it(
    'stalled and slow clients hold only their own connections; others are served, oversized both ways',
    { timeout: 300_000 },
    async () => {
      const { port } = new URL(gw.url);
      const stalled: Socket[] = [];
      for (let i = 0; i < 40; i++) {
        const s = connect(Number(port), '127.0.0.1');
        s.on('error', () => undefined);
        // Headers promising a body that never comes, or headers that never end.
        s.write(
          i % 2 === 0
            ? `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"jsonrpc":`
            : `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `,
        );
        stalled.push(s);
      }
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          i % 4 === 0
            ? call(`h-${i}`, 'big', { nonce: `n_h-${i}`, bytes: 400_000 })
            : call(`h-${i}`, 'echo', { nonce: `n_h-${i}`, i }),
        ),
      );
      results.forEach((r, i) => {
        if (i % 4 === 0) expect(r.text, `h-${i}`).toMatch(/larger than 262144 bytes/);
        else expect(r.text, `h-${i}`).toContain(`"id":"h-${i}"`);
      });
      // A message over limits.maxMessageBytes is refused, and the gateway keeps serving. (A body
      // over server.bodyLimit is refused before it is read: that belongs to the HTTP timeouts' and
      // early answers' tests.)
      const huge = await call('too-big', 'echo', { s: 'x'.repeat(300_000) });
      expect(huge.status).toBe(413);
      expect((await call('after', 'echo', { nonce: 'n_after' })).status).toBe(200);
      for (const s of stalled) s.destroy();
      expect(gw.child.exitCode).toBeNull();
      expectNothingForwardedWithoutRecord(
        log,
        new Set([...Array.from({ length: 16 }, (_, i) => `n_h-${i}`), 'n_after']),
      );
    },
  );
});
