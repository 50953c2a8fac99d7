import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { mutableServerBin, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { waitFor } from './support.js';
import { rawInitialize, startServe, type ServeProcess } from './http-support.js';
import { logged } from './replicas-support.js';

const allow = `policy: { default: allow }\n`;
const denyEcho = `policy:
  default: allow
  rules:
    - name: no-echo
      match: { tools: [echo], args: [{ at: message, regex: "." }] }
      action: deny
      message: echo is switched off
`;

/**
 * Config reloads across replicas: two `mcpgate serve` replicas on one Postgres, each reading its
 * config through a Kubernetes-style ConfigMap mount (`mcpgate.yaml -> ..data/mcpgate.yaml`, the
 * update swaps the `..data` symlink), which no file watch sees. One SIGHUP to one replica must
 * reload both, and every call's audit record names the policy version that decided it.
 */
describe('a config reload on one replica reloads every replica', () => {
  let db: PgDatabase;
  let sql: pg.Client;
  const replicas: ServeProcess[] = [];
  const dirs: string[] = [];

  const config = (id: string, dir: string, policy: string): string => `
upstreams:
  mutable:
    alias: mu
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(mutableServerBin())}]
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ${JSON.stringify(join(dir, 'audit-signing.key'))}, replicaId: ${id} }
server: { port: 0 }
${policy}`;

  /** Writes a new ConfigMap version and swaps it in atomically, as the kubelet does. */
  const publish = (dir: string, id: string, version: string, policy: string): void => {
    mkdirSync(join(dir, version));
    writeFileSync(join(dir, version, 'mcpgate.yaml'), config(id, dir, policy));
    symlinkSync(version, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_reload' });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    // The first replica migrates alone, so the second starts on a ready schema.
    for (const id of ['gw-1', 'gw-2']) {
      const dir = mkdtempSync(join(tmpdir(), `mcpgate-${id}-`));
      dirs.push(dir);
      publish(dir, id, '..v1', allow);
      symlinkSync(join('..data', 'mcpgate.yaml'), join(dir, 'mcpgate.yaml'));
      replicas.push(await startServe(join(dir, 'mcpgate.yaml')));
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(replicas.map((r) => r.stop('SIGKILL')));
    await sql?.end();
    await db?.drop();
  });

  const versions = async (r: ServeProcess): Promise<{ policyVersion: string; configVersion: string }> => {
    const res = await fetch(`${r.url}/readyz`);
    const body = (await res.json()) as { checks: { policyVersion: string; configVersion: string } };
    return { policyVersion: body.checks.policyVersion, configVersion: body.checks.configVersion };
  };

  /** One echo call in a new legacy session on `r`: the answer and the session's gateway id. */
  const echo = async (r: ServeProcess): Promise<{ answer: string; sessionId: string }> => {
    const sid = await rawInitialize(r.url);
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sid,
      'mcp-protocol-version': '2025-06-18',
    };
    const res = await fetch(`${r.url}/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'mu__echo', arguments: { message: 'hi' } },
      }),
    });
    const answer = await res.text();
    const row = await sql.query<{ session_id: string }>(
      `SELECT session_id FROM mcpgate_http_sessions WHERE id_hash = encode(sha256($1::bytea), 'hex')`,
      [sid],
    );
    return { answer, sessionId: row.rows[0]!.session_id };
  };

  /** The session's call records: type and the policy version on the recorded decision. */
  const recordedVersions = async (sessionId: string): Promise<string[]> => {
    const r = await sql.query<{ type: string; v: string | null }>(
      `SELECT type, coalesce(body::jsonb -> 'decision' ->> 'policyVersion',
                             body::jsonb -> 'request' -> 'decision' ->> 'policyVersion') AS v
         FROM events WHERE session_id = $1 AND type IN ('call.request', 'call.refused')`,
      [sessionId],
    );
    return r.rows.map((x) => `${x.type} ${x.v ?? '(none)'}`);
  };

  it('applies a policy change everywhere after one SIGHUP, and records the deciding version per call', async () => {
    const before = await Promise.all(replicas.map(versions));
    expect(before[0]).toEqual(before[1]);
    const calledBefore = await Promise.all(replicas.map(echo));
    for (const c of calledBefore) expect(c.answer).toContain('Echo: hi');

    dirs.forEach((dir, i) => publish(dir, `gw-${i + 1}`, '..v2', denyEcho));
    // No watch sees a symlink swap: nothing changes until a replica is told.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await Promise.all(replicas.map(versions))).toEqual(before);

    replicas[0]!.child.kill('SIGHUP');
    const after = await waitFor(
      async () => {
        const v = await Promise.all(replicas.map(versions));
        return v.every((x) => x.policyVersion !== before[0]!.policyVersion) ? v : undefined;
      },
      20_000,
      'both replicas on the new policy',
    );
    expect(after[0]).toEqual(after[1]);
    expect(after[0]!.configVersion).not.toBe(before[0]!.configVersion);
    // The second replica re-read its own file because the first announced its reload.
    const reread = logged(replicas[1]!, 'config reloaded');
    expect(reread.map((l) => l.trigger)).toEqual(['replica']);
    expect(logged(replicas[0]!, 'config reloaded').map((l) => l.trigger)).toEqual(['signal']);

    const calledAfter = await Promise.all(replicas.map(echo));
    for (const c of calledAfter) {
      expect(c.answer).toContain('echo is switched off');
      expect(c.answer).not.toContain('Echo: hi');
    }
    // Forwarded under the old version, refused under the new one — each on the record.
    for (const c of calledBefore)
      expect(await recordedVersions(c.sessionId)).toEqual([`call.request ${before[0]!.policyVersion}`]);
    // (a refusal forwards nothing, so its record is written after the answer, not before)
    for (const c of calledAfter) {
      const records = await waitFor(
        async () => {
          const v = await recordedVersions(c.sessionId);
          return v.length > 0 ? v : undefined;
        },
        20_000,
        'the refusal on the record',
      );
      expect(records).toEqual([`call.refused ${after[0]!.policyVersion}`]);
    }
    // Operators see each replica's versions on /metrics too.
    for (const r of replicas) {
      const text = await (await fetch(`${r.url}/metrics`)).text();
      expect(text).toContain(
        `mcpgate_config_info{config_version="${after[0]!.configVersion}",policy_version="${after[0]!.policyVersion}"} 1`,
      );
    }
  }, 90_000);
});
