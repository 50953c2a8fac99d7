import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { writeConfig } from '../support.js';
import { rawInitialize, startServe, type ServeProcess } from '../http-support.js';
import { writeAuditKey } from '../oidc-support.js';
import { FrameGrammar, fuzzBudget, fuzzSeed, prng, type Frame } from './grammar.js';
import {
  expectNothingForwardedWithoutRecord,
  INIT,
  rssBytes,
  startStdio,
  type StdioUnderTest,
} from './harness.js';

/**
 * Grammar-based fuzzing of both faces (#11): deep nesting, huge strings, wrong types, batches,
 * invalid UTF-8, garbage and partial frames, interleaved with real calls to a real (hostile)
 * upstream. Each run prints its seed; MCPGATE_FUZZ_SEED=<seed> replays it exactly.
 * MCPGATE_FUZZ_ITERATIONS=<frames> or MCPGATE_FUZZ_SECONDS=<s> makes it longer (docs/security.md).
 *
 * After each run: the process is alive, memory stayed bounded, every request was answered exactly
 * once (and nothing else was), and the upstream received no call without a committed request
 * record.
 */
const hostile = join(import.meta.dirname, '..', 'fixtures', 'hostile-upstream.mjs');
const LIMITS = { maxMessageBytes: 262_144, maxJsonDepth: 64 };
const MIB = 1024 * 1024;
/** Long mode runs for MCPGATE_FUZZ_SECONDS per face; the test's own timeout leaves room for it. */
const LONG = 600_000 + 2 * 1000 * (fuzzBudget(0).seconds ?? 0);

function gatewayConfig(db: PgDatabase, log: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-fuzz-'));
  return writeConfig(
    `
policy: { default: allow }
store: { url: ${JSON.stringify(db.url)} }
upstreams:
  h:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(hostile)}]
    env: { HOSTILE_LOG: ${JSON.stringify(log)}, HOSTILE_PG_URL: ${JSON.stringify(db.url)} }
limits:
  maxMessageBytes: ${LIMITS.maxMessageBytes}
  maxJsonDepth: ${LIMITS.maxJsonDepth}
${extra}`,
    dir,
  );
}

/** Runs the budget: a fixed number of frames, or frames until the time is up (long mode). */
function* frames(grammar: FrameGrammar, ci: number): Generator<Frame> {
  const { frames: n, seconds } = fuzzBudget(ci);
  const end = seconds === undefined ? Infinity : Date.now() + seconds * 1000;
  for (let i = 0; i < n && Date.now() < end; i++) yield grammar.frame();
}

describe('fuzz: the stdio face', () => {
  const seed = fuzzSeed();
  let db: PgDatabase;
  let gw: StdioUnderTest;
  const log = join(mkdtempSync(join(tmpdir(), 'mcpgate-fuzz-log-')), 'upstream.jsonl');

  beforeAll(async () => {
    console.log(`fuzz (stdio) seed ${seed} — replay with MCPGATE_FUZZ_SEED=${seed}`);
    db = await pgSchema({ prefix: 'mcpgate_fuzz_stdio' });
    gw = startStdio(gatewayConfig(db, log));
    await gw.write(JSON.stringify(INIT) + '\n');
    await gw.waitFor(['init'], 90_000);
    await gw.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  });
  afterAll(async () => {
    const code = await gw?.close();
    await db?.drop();
    expect(code).toBe(0);
  });

  it(
    'answers every request exactly once, stays alive and bounded, forwards nothing unrecorded',
    { timeout: LONG },
    async () => {
      const rand = prng(seed);
      const grammar = new FrameGrammar(rand, { ...LIMITS, prefix: 'h' }, 's');
      const expectIds = new Set<string>();
      const nonces = new Set<string>();
      const kinds = new Map<string, string>();
      let expectNull = 0;
      let noNonce = 0;
      const rssStart = rssBytes(gw.child.pid!);
      let rssPeak = rssStart;
      let sent = 0;
      for (const f of frames(grammar, 400)) {
        if (f.expectId) {
          expectIds.add(f.expectId);
          kinds.set(f.expectId, f.kind);
        } else if (!f.kind.startsWith('notification')) expectNull++;
        if (f.nonce) nonces.add(f.nonce);
        if (f.kind === 'types:args-string' || f.kind === 'types:args-array') noNonce++;
        // Partial frames: the frame arrives in up to four pieces, with the event loop turning between.
        const pieces = 1 + Math.floor(rand() * 4);
        let at = 0;
        for (let p = 1; p <= pieces; p++) {
          const next = p === pieces ? f.bytes.length : Math.floor((f.bytes.length * p) / pieces);
          await gw.write(f.bytes.subarray(at, next));
          at = next;
          if (pieces > 1) await new Promise((r) => setImmediate(r));
        }
        await gw.write('\n');
        if (++sent % 25 === 0) rssPeak = Math.max(rssPeak, rssBytes(gw.child.pid!));
      }
      await gw.write('{"jsonrpc":"2.0","id":"final","method":"ping"}\n');
      await gw.waitFor([...expectIds, 'final'], 60_000).catch((err: Error) => {
        const missing = [...expectIds].filter((id) => !gw.answers.has(id));
        throw new Error(`${err.message}\nkinds: ${missing.map((id) => `${id}=${kinds.get(id)}`).join(', ')}`);
      });
      // Late duplicates would show up behind "final": give them a moment to arrive.
      await new Promise((r) => setTimeout(r, 500));

      expect(gw.child.exitCode, gw.stderr.slice(-20).join('\n')).toBeNull();
      expect(gw.notJson).toEqual([]);
      for (const [id, list] of gw.answers) {
        if (id === null || id === 'init' || id === 'final') continue;
        expect(expectIds.has(String(id)), `answer for an id that must not be answered: ${String(id)}`).toBe(
          true,
        );
        expect(list.length, `${String(id)} (${kinds.get(String(id))}) answered ${list.length} times`).toBe(1);
      }
      expect(gw.answers.get(null)?.length ?? 0).toBe(expectNull);
      // Memory: discarded frames are never buffered (the largest is 8× the message limit).
      expect(rssPeak - rssStart).toBeLessThan(256 * MIB);
      const forwarded = expectNothingForwardedWithoutRecord(log, nonces, noNonce);
      console.log(
        `fuzz (stdio) seed ${seed}: ${sent} frames, ${expectIds.size} answered by id, ${expectNull} with id null, ` +
          `${forwarded} forwarded, rss ${Math.round(rssStart / MIB)}→${Math.round(rssPeak / MIB)} MiB`,
      );
    },
  );
});

describe('fuzz: the HTTP face', () => {
  const seed = fuzzSeed();
  let db: PgDatabase;
  let gw: ServeProcess;
  let sid: string;
  const log = join(mkdtempSync(join(tmpdir(), 'mcpgate-fuzz-log-')), 'upstream.jsonl');

  beforeAll(async () => {
    console.log(`fuzz (http) seed ${seed} — replay with MCPGATE_FUZZ_SEED=${seed}`);
    db = await pgSchema({ prefix: 'mcpgate_fuzz_http' });
    const config = gatewayConfig(
      db,
      log,
      'audit: { signingKeyFile: ./audit-signing.pem }\nserver: { port: 0 }',
    );
    writeAuditKey(config);
    gw = await startServe(config);
    sid = await rawInitialize(gw.url);
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await db?.drop();
  });

  it(
    'answers every POST once with a non-5xx status, stays alive and bounded, forwards nothing unrecorded',
    { timeout: LONG },
    async () => {
      const rand = prng(seed);
      const grammar = new FrameGrammar(rand, { ...LIMITS, prefix: 'h' }, 'w');
      const nonces = new Set<string>();
      let noNonce = 0;
      const rssStart = rssBytes(gw.child.pid!);
      let rssPeak = rssStart;
      let sent = 0;
      const post = async (f: Frame) => {
        if (f.nonce) nonces.add(f.nonce);
        if (f.kind === 'types:args-string' || f.kind === 'types:args-array') noNonce++;
        // Mostly inside the legacy session; sometimes without one, or with a stale one.
        const which = rand();
        const session: Record<string, string> =
          which < 0.8
            ? { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' }
            : which < 0.9
              ? { 'mcp-session-id': 'stale-session', 'mcp-protocol-version': '2025-06-18' }
              : {};
        const res = await fetch(`${gw.url}/mcp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...session,
          },
          body: f.bytes,
        });
        const text = await res.text();
        expect(res.status, `${f.kind} → ${res.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
        const json = text.startsWith('{') ? text : /^data: (\{.*)$/m.exec(text)?.[1];
        if (json && f.expectId) {
          const id = (JSON.parse(json) as { id?: unknown }).id;
          expect([f.expectId, null], `${f.kind}: answered with id ${String(id)}`).toContain(id ?? null);
        }
      };
      // Four clients at once.
      const queue: Frame[] = [];
      for (const f of frames(grammar, 250)) queue.push(f);
      const worker = async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          await post(f);
          if (++sent % 25 === 0) rssPeak = Math.max(rssPeak, rssBytes(gw.child.pid!));
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      expect(gw.child.exitCode, gw.stderr.slice(-20).join('\n')).toBeNull();
      const ping = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-06-18',
        },
        body: '{"jsonrpc":"2.0","id":"final","method":"ping"}',
      });
      expect(ping.status).toBe(200);
      await ping.text();
      expect(rssPeak - rssStart).toBeLessThan(256 * MIB);
      const forwarded = expectNothingForwardedWithoutRecord(log, nonces, noNonce);
      console.log(
        `fuzz (http) seed ${seed}: ${sent} POSTs, ${forwarded} forwarded, ` +
          `rss ${Math.round(rssStart / MIB)}→${Math.round(rssPeak / MIB)} MiB`,
      );
    },
  );
});
