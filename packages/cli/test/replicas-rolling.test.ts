import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CLI, textOf, waitFor } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';
import { everythingAndMutable, logged, startReplicas, type Replicas } from './replicas-support.js';

/**
 * Rolling restart of all three replicas behind docs/deploy.md's HAProxy config, under steady load
 * of legacy sessions (several calls in flight each) and a 2026-07-28 client: each replica in turn
 * gets SIGTERM, exits, and a new process starts on the same port. SIGTERM drains (/readyz turns
 * 503 so the load balancer stops sending, requests already sent are served, the audit is flushed
 * and signed) and HAProxy retries what a stopped replica refused, so no call fails, nothing runs
 * twice, every answered call has its request record, sessions go on, and the audit verifies.
 */
const SESSIONS = 6;
const IN_FLIGHT = 3;
/** docs/deploy.md's HAProxy health check: `inter 2s fall 2 rise 2`. */
const LB_NOTICES_MS = 5_000;

describe('rolling restart of three replicas under load', () => {
  let lb: Replicas;
  let sql: pg.Client;

  beforeAll(async () => {
    lb = await startReplicas({
      config: everythingAndMutable,
      server: 'drainDelay: 6s, shutdownGrace: 20s',
    });
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  /** SIGTERM, wait for a clean exit, start a new process on the same port, wait until it is ready. */
  async function restart(i: number): Promise<{ drainedMs: number; handedOver: number }> {
    const old = lb.replicas[i]!;
    const port = new URL(old.url).port;
    const t0 = Date.now();
    const code = await old.stop('SIGTERM');
    const drainedMs = Date.now() - t0;
    expect(code, old.stderr.slice(-20).join('\n')).toBe(0);
    // The drain order, from its log: unready first, then the listener closes, then the audit.
    const msgs = old.stderr.map((l) => (JSON.parse(l) as { msg: string }).msg);
    const unready = msgs.indexOf('draining: /readyz answers 503 until this replica stops');
    const closed = msgs.indexOf('draining: no longer accepting connections');
    expect(unready, msgs.slice(-15).join('\n')).toBeGreaterThanOrEqual(0);
    expect(closed).toBeGreaterThan(unready);
    expect(msgs.indexOf('stopped')).toBeGreaterThan(closed);
    const next = await startServe(lb.configs[i]!, {}, ['--port', port]);
    (lb.replicas as ServeProcess[])[i] = next;
    await waitFor(
      async () => (await fetch(`${next.url}/readyz`).catch(() => undefined))?.status === 200 || undefined,
      60_000,
      `replica ${i + 1} to be ready again`,
    );
    // The load balancer brings it back after `rise 2` checks.
    await new Promise((r) => setTimeout(r, LB_NOTICES_MS));
    return { drainedMs, handedOver: logged(old, 'GET stream handed over to the other replicas').length };
  }

  it('loses no call, runs none twice, keeps every session, and the audit verifies', async () => {
    const clients: Client[] = [];
    // What the SDK reports outside any call: a GET stream that could not be re-established.
    const streamErrors: string[] = [];
    /** `tools/list_changed` heard by each session: they come down its GET stream. */
    const heard = Array.from({ length: SESSIONS }, () => 0);
    for (let i = 0; i < SESSIONS; i++) {
      const c = newClient('legacy');
      c.setNotificationHandler('notifications/tools/list_changed', () => void heard[i]!++);
      const transport = new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`));
      await c.connect(transport);
      const onerror = transport.onerror;
      transport.onerror = (err) => {
        streamErrors.push(`session ${i}: ${err.message}`);
        onerror?.(err);
      };
      clients.push(c);
    }
    const modern = newClient('modern');
    await modern.connect(new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`)));

    const answered: string[] = [];
    const failures: string[] = [];
    let seq = 0;
    let running = true;
    const loop = async (c: Client, label: string): Promise<void> => {
      while (running) {
        const message = `roll-${label}-${seq++}`;
        try {
          const r = await c.callTool({ name: 'ev__echo', arguments: { message } });
          if (!textOf(r).includes(message)) failures.push(`${message}: wrong answer ${textOf(r)}`);
          else answered.push(message);
        } catch (err) {
          failures.push(`${message}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    const t0 = Date.now();
    const load = Promise.all([
      ...clients.flatMap((c, i) => Array.from({ length: IN_FLIGHT }, () => loop(c, `l${i}`))),
      loop(modern, 'm'),
    ]);
    // Steady state first, then each replica in turn.
    await waitFor(() => answered.length >= 100 || undefined, 60_000, '100 calls before the restarts');
    // Every GET stream carries an event, so its client has a Last-Event-ID to resume from.
    const changeTools = async (description: string): Promise<void> => {
      await clients[0]!.callTool({
        name: 'mu__set_description',
        arguments: { tool: 'filler_1', description },
      });
    };
    await changeTools('before the restarts');
    await waitFor(
      () => heard.every((n) => n >= 1) || undefined,
      30_000,
      'every session to hear a list change',
    );
    const drains: number[] = [];
    let handedOver = 0;
    for (let i = 0; i < lb.replicas.length; i++) {
      const r = await restart(i);
      drains.push(r.drainedMs);
      handedOver += r.handedOver;
    }
    const before = answered.length;
    await waitFor(() => answered.length >= before + 50 || undefined, 60_000, '50 calls after the restarts');
    running = false;
    await load;
    const durationMs = Date.now() - t0;
    console.log(
      `rolling restart: ${answered.length + failures.length} calls in ${durationMs} ms, ` +
        `${failures.length} failed; drains took ${drains.join(', ')} ms; ` +
        `${handedOver} GET streams handed over`,
    );
    expect(failures).toEqual([]);
    // Each session's GET stream ended cleanly at its replica's stop and was carried on elsewhere:
    // a change after the restarts reaches every session.
    expect(streamErrors).toEqual([]);
    expect(handedOver).toBeGreaterThanOrEqual(1);
    await changeTools('after the restarts');
    await waitFor(
      () => heard.every((n) => n >= 2) || undefined,
      30_000,
      'every session to hear the next change',
    );

    // Every replica was replaced, and each of the new ones served calls.
    for (const r of lb.replicas) expect(logged(r, 'listening on ' + r.url).length).toBe(1);
    // Sessions outlived every replica that ever held them.
    for (const [i, c] of clients.entries()) {
      const r = await c.callTool({ name: 'ev__echo', arguments: { message: `after-${i}` } });
      expect(textOf(r)).toContain(`after-${i}`);
    }

    // Every answered call has exactly one request record: recorded before it ran, and not run twice.
    const recorded = await sql.query<{ body: string }>(
      `SELECT body::text AS body FROM events WHERE type = 'call.request' AND body::text LIKE '%roll-%'`,
    );
    const count = new Map<string, number>();
    for (const row of recorded.rows)
      for (const m of new Set(row.body.match(/roll-[lm]\d*-\d+/g) ?? []))
        count.set(m, (count.get(m) ?? 0) + 1);
    expect(answered.filter((m) => count.get(m) !== 1)).toEqual([]);
    // Every chain — three replicas, each restarted — verifies, with a final checkpoint per stop.
    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--config', lb.configs[0]!], {
      encoding: 'utf8',
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    await Promise.allSettled([...clients, modern].map((c) => c.close()));
  }, 400_000);
});
