import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin } from '@mcpgate/testkit';
import { CLI, textOf } from './support.js';
import { newClient } from './http-support.js';
import { startReplicas, type Replicas } from './replicas-support.js';

/**
 * kill -9 of one of three replicas under 8 sessions × 4 calls in flight, behind docs/deploy.md's
 * HAProxy config: only calls that were running on the killed replica may fail; every session goes
 * on through the others; every call the clients got an answer for has its request record; the
 * audit trail verifies.
 */
const SESSIONS = 8;
const IN_FLIGHT = 4;
const TOTAL = 600;
const KILL_AFTER = 200;

describe('kill -9 of one replica under load', () => {
  let lb: Replicas;
  let sql: pg.Client;

  beforeAll(async () => {
    lb = await startReplicas({
      config: (base) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
${base}
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

  it('loses only the calls in flight on the dead replica; sessions go on; the audit trail verifies', async () => {
    const clients: Client[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const c = newClient('legacy');
      await c.connect(new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`)));
      clients.push(c);
    }
    const answered: string[] = [];
    let failed = 0;
    let next = 0;
    let killed = false;
    const victim = lb.replicas[2]!;
    await Promise.all(
      clients.flatMap((c) =>
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < TOTAL) {
            const message = `crash-${next++}`;
            if (!killed && answered.length >= KILL_AFTER) {
              killed = true;
              victim.child.kill('SIGKILL');
            }
            let r;
            try {
              r = await c.callTool({ name: 'ev__echo', arguments: { message } });
            } catch {
              failed++;
              continue;
            }
            expect(textOf(r)).toContain(message);
            answered.push(message);
          }
        }),
      ),
    );
    expect(killed).toBe(true);
    // At most the calls in flight when it died (the load balancer sends nothing new to a replica
    // that refuses connections: it retries elsewhere).
    expect(failed).toBeLessThanOrEqual(SESSIONS * IN_FLIGHT);
    expect(answered.length).toBe(TOTAL - failed);
    // Every session goes on through the replicas left.
    for (const [i, c] of clients.entries()) {
      const r = await c.callTool({ name: 'ev__echo', arguments: { message: `after-${i}` } });
      expect(textOf(r)).toContain(`after-${i}`);
    }
    // Every answered call reached the upstream only after its request record was committed.
    const recorded = await sql.query<{ body: string }>(
      `SELECT body::text AS body FROM events WHERE type = 'call.request' AND body::text LIKE '%crash-%'`,
    );
    const seen = new Set(recorded.rows.flatMap((r) => r.body.match(/crash-\d+/g) ?? []));
    expect(answered.filter((m) => !seen.has(m))).toEqual([]);
    // The killed replica's chain ends without a final checkpoint; verification still succeeds.
    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--config', lb.configs[0]!], {
      encoding: 'utf8',
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    await Promise.allSettled(clients.map((c) => c.close()));
  }, 300_000);
});
