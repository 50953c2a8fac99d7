import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { everythingBin } from '@mcpgate/testkit';
import { waitFor } from './support.js';
import { rawInitialize } from './http-support.js';
import { logged, startReplicas, type Replicas } from './replicas-support.js';

/**
 * Two replicas on one Postgres, reached directly (not through the load balancer) so the test
 * chooses which replica gets which request:
 * - a legacy client's `notifications/cancelled` received by the replica not running the call
 *   cancels it there, recorded like a cancellation the running replica received itself;
 * - an unknown `Mcp-Session-Id` costs one store read per replica, not one per request.
 */
describe('replicas: cancellation and unknown session ids', () => {
  let lb: Replicas;
  let sql: pg.Client;

  beforeAll(async () => {
    lb = await startReplicas({
      count: 2,
      config: (base) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
${base}
logging: { level: debug }
policy: { default: allow }
`,
    });
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  /**
   * Starts a 20 s call on replica `runOn`, waits for its first progress (it is running upstream),
   * cancels it through replica `cancelOn`; returns what the stream carried and the call's records.
   */
  async function cancelled(
    sid: string,
    id: number,
    runOn: number,
    cancelOn: number,
  ): Promise<{ stream: string; types: string[]; outcome: string | null; ms: number }> {
    const res = await fetch(`${lb.replicas[runOn]!.url}/mcp`, {
      method: 'POST',
      headers: headers(sid),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'ev__trigger-long-running-operation',
          // A duration per call: it finds the call's records in the audit.
          arguments: { duration: 20 + id, steps: 20 },
          _meta: { progressToken: `p${id}` },
        },
      }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let stream = '';
    while (!stream.includes('notifications/progress')) {
      const { value, done } = await reader.read();
      if (done) break;
      stream += decoder.decode(value, { stream: true });
    }
    const t0 = Date.now();
    const cancel = await fetch(`${lb.replicas[cancelOn]!.url}/mcp`, {
      method: 'POST',
      headers: headers(sid),
      body: JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'changed my mind' },
      }),
    });
    expect(cancel.status).toBe(202);
    // The call ends as cancelled on the replica running it, well before its 20 s.
    const request = await sql.query<{ correlation_id: string }>(
      `SELECT correlation_id FROM events WHERE type = 'call.request' AND body LIKE $1`,
      [`%"duration":${20 + id}%`],
    );
    expect(request.rows).toHaveLength(1);
    const correlation = request.rows[0]!.correlation_id;
    const outcome = await waitFor(
      async () => {
        const r = await sql.query<{ outcome: string | null }>(
          `SELECT outcome FROM events WHERE type = 'call.response' AND correlation_id = $1`,
          [correlation],
        );
        return r.rows[0];
      },
      15_000,
      `call ${id} to end`,
    );
    const ms = Date.now() - t0;
    void reader.cancel().catch(() => undefined);
    const records = await sql.query<{ type: string; method: string | null }>(
      `SELECT type, method FROM events WHERE correlation_id = $1 ORDER BY ts, seq`,
      [correlation],
    );
    return {
      stream,
      types: records.rows.map((r) => `${r.type}:${r.method ?? ''}`),
      outcome: outcome.outcome,
      ms,
    };
  }

  it('cancels a call from the replica that did not receive it, recorded like a local cancel', async () => {
    const sid = await rawInitialize(lb.replicas[0]!.url);
    await post(lb.replicas[0]!.url, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    // Baseline: cancelled where it runs.
    const local = await cancelled(sid, 11, 0, 0);
    // Across replicas: runs on the first, the cancellation reaches the second.
    const remote = await cancelled(sid, 12, 0, 1);
    expect(local.outcome).toBe('cancelled');
    expect(remote.outcome).toBe('cancelled');
    expect(remote.ms).toBeLessThan(10_000);
    expect(remote.types).toEqual(local.types);
    expect(remote.types.some((t) => t.includes('notifications/cancelled'))).toBe(true);
    expect(logged(lb.replicas[0]!, 'cancellation from another replica delivered').length).toBe(1);
    // And the other way round: runs on the second replica (which loaded the session), cancelled on the first.
    const back = await cancelled(sid, 13, 1, 0);
    expect(back.outcome).toBe('cancelled');
    expect(back.types).toEqual(local.types);
  }, 120_000);

  it('reads the store once per unknown session id, and still serves a new session on any replica at once', async () => {
    const reads = (i: number) => logged(lb.replicas[i]!, 'legacy session looked up in the store');
    const unknownReads = (i: number) => reads(i).filter((l) => l.found === false).length;
    const before = [unknownReads(0), unknownReads(1)];
    const bogus = randomUUID();
    for (let n = 0; n < 20; n++) {
      for (const r of lb.replicas) {
        const res = await fetch(`${r.url}/mcp`, {
          method: 'POST',
          headers: headers(bogus),
          body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/list' }),
        });
        expect(res.status).toBe(404);
        await res.text();
      }
    }
    // Forty requests, one read per replica (log lines arrive on a pipe: wait, then a moment more).
    const reads01 = () => [unknownReads(0) - before[0]!, unknownReads(1) - before[1]!];
    await waitFor(() => reads01().every((n) => n >= 1) || undefined, 10_000, 'the reads to be logged');
    await new Promise((r) => setTimeout(r, 1000));
    expect(reads01()).toEqual([1, 1]);
    // Distinct ids are each read once (the cache does not make a flood of new ids free, only repeats).
    for (let n = 0; n < 5; n++) {
      const res = await fetch(`${lb.replicas[1]!.url}/mcp`, {
        method: 'POST',
        headers: headers(randomUUID()),
        body: JSON.stringify({ jsonrpc: '2.0', id: n, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
      await res.text();
    }
    await waitFor(() => unknownReads(1) - before[1]! >= 6 || undefined, 10_000, 'five more reads');
    await new Promise((r) => setTimeout(r, 1000));
    expect(unknownReads(1) - before[1]!).toBe(6);
    // A session opened on one replica is served by the other at once, every time.
    for (let n = 0; n < 5; n++) {
      const sid = await rawInitialize(lb.replicas[0]!.url);
      const res = await fetch(`${lb.replicas[1]!.url}/mcp`, {
        method: 'POST',
        headers: headers(sid),
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.text()).toContain('ev__echo');
    }
    // An ended session is unknown from then on, on both replicas.
    const sid = await rawInitialize(lb.replicas[0]!.url);
    await post(lb.replicas[1]!.url, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const del = await fetch(`${lb.replicas[0]!.url}/mcp`, { method: 'DELETE', headers: headers(sid) });
    expect(del.status).toBe(200);
    await waitFor(
      async () => {
        const res = await fetch(`${lb.replicas[1]!.url}/mcp`, {
          method: 'POST',
          headers: headers(sid),
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
        });
        await res.text();
        return res.status === 404 || undefined;
      },
      10_000,
      'the ended session to be unknown on the other replica',
    );
  }, 120_000);
});

function headers(sid: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-06-18',
  };
}

async function post(url: string, sid: string, body: unknown): Promise<void> {
  const r = await fetch(`${url}/mcp`, { method: 'POST', headers: headers(sid), body: JSON.stringify(body) });
  await r.text();
  expect(r.status).toBeLessThan(300);
}
