import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
// s3rver: a real S3-compatible server that runs in Node (used here as the bucket witness).
import S3rver from 's3rver';
import { eventHash, generateSigningKey, signCheckpoint, type EventRow } from '@mcpgate/audit';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { newClient, startServe, type ServeProcess } from './http-support.js';
import { CLI, connectGateway, waitFor, writeConfig } from './support.js';

function cli(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // HOOK_TOKEN: the config's webhook header references it (the CLI's own chain is witnessed too).
    const env = { PATH: process.env.PATH ?? '', HOOK_TOKEN: 'hook-token' };
    execFile(process.execPath, [CLI, ...args], { cwd, env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * The owner of the database rewrites history: with the append-only triggers disabled (a superuser
 * can), one record's body is changed and every later hash of its chain recomputed, so the chain is
 * internally consistent again. The rewriter cannot sign (the key is not in the database), so the
 * chain's checkpoints are either dropped (`resign: undefined`) or re-signed with a key of their own
 * that also replaces the writer's registered key.
 */
async function rewriteChain(
  sql: pg.Client,
  chain: string,
  resign?: ReturnType<typeof generateSigningKey>['key'],
): Promise<number> {
  const rows = (
    await sql.query<EventRow>('SELECT * FROM events WHERE chain_id = $1 ORDER BY seq', [chain])
  ).rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  const target = rows.find((r) => r.type === 'call.refused' || r.type === 'call.gateway')!;
  await sql.query('BEGIN');
  await sql.query('ALTER TABLE events DISABLE TRIGGER USER');
  await sql.query('ALTER TABLE checkpoints DISABLE TRIGGER USER');
  await sql.query('ALTER TABLE audit_writers DISABLE TRIGGER USER');
  let prev = rows[target.seq - 2]!.hash;
  for (const r of rows.slice(target.seq - 1)) {
    const body =
      r.seq === target.seq ? r.body.replace(/"method":"[^"]*"/, '"method":"nothing/happened"') : r.body;
    const hash = eventHash({ ...r, body, prev_hash: prev });
    await sql.query(
      'UPDATE events SET body = $1, prev_hash = $2, hash = $3 WHERE chain_id = $4 AND seq = $5',
      [body, prev, hash, chain, r.seq],
    );
    prev = hash;
  }
  await sql.query('DELETE FROM checkpoints WHERE chain_id = $1', [chain]);
  if (resign) {
    const last = rows.at(-1)!;
    const claim = { chain_id: chain, seq: last.seq, hash: prev, ts: new Date(), final: true };
    await sql.query(
      'INSERT INTO checkpoints (chain_id, seq, hash, ts, final, public_key, signature) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [
        chain,
        claim.seq,
        claim.hash,
        claim.ts.toISOString(),
        true,
        resign.publicKey,
        signCheckpoint(claim, resign),
      ],
    );
    await sql.query('UPDATE audit_writers SET public_key = $1 WHERE chain_id = $2', [
      resign.publicKey,
      chain,
    ]);
  }
  await sql.query('ALTER TABLE events ENABLE TRIGGER USER');
  await sql.query('ALTER TABLE checkpoints ENABLE TRIGGER USER');
  await sql.query('ALTER TABLE audit_writers ENABLE TRIGGER USER');
  await sql.query('COMMIT');
  return target.seq;
}

describe('checkpoint witnessing: a file, a webhook and an S3 bucket (built CLI, Postgres)', () => {
  let db: PgDatabase;
  let dir: string;
  let sql: pg.Client;
  let s3: S3rver;
  let s3Url: string;
  let hook: Server;
  let hookUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-witness-'));
    db = await pgSchema({ prefix: 'mcpgate_witness' });
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: 'audit-witness', configs: [] }],
    });
    const addr = (await s3.run()) as { port: number };
    s3Url = `http://127.0.0.1:${addr.port}`;
    // The webhook receiver a security team would run: keeps what it is sent, serves it back as JSONL.
    hook = createServer((req, res) => {
      if (req.method === 'GET') {
        res.end(received.map((l) => `${l}\n`).join(''));
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (req.headers.authorization !== 'Bearer hook-token') res.statusCode = 401;
        else received.push(body);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/checkpoints`;
    writeConfig(
      `
policy: { default: allow }
upstreams: {}
store:
  url: ${JSON.stringify(db.url)}
audit:
  replicaId: gw
  signingKeyFile: audit-signing.key
  witness:
    file: witness/checkpoints.jsonl
    webhook:
      url: ${hookUrl}
      headers: { Authorization: "Bearer \${env:HOOK_TOKEN}" }
    s3:
      endpoint: ${s3Url}
      region: us-east-1
      bucket: audit-witness
      accessKeyId: S3RVER
      secretAccessKey: S3RVER
`,
      dir,
    );
    // Two gateway runs: two chains (gw:1, gw:2), each closed by a final checkpoint.
    for (let run = 0; run < 2; run++) {
      const gw = await connectGateway(join(dir, 'mcpgate.yaml'), { env: { HOOK_TOKEN: 'hook-token' } });
      for (let i = 0; i < 3; i++) await gw.client.listTools();
      await expect(gw.client.callTool({ name: 'nope__missing', arguments: {} })).rejects.toThrow();
      await gw.close();
    }
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    await new Promise((r) => hook?.close(r));
    await s3?.close().catch(() => undefined);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const witnessFile = (): string => join(dir, 'witness', 'checkpoints.jsonl');
  const sources = (): string[] => [witnessFile(), hookUrl, 's3://audit-witness/mcpgate/checkpoints/'];

  it('publishes every gateway checkpoint to each witness as it is made', async () => {
    const cps = await waitFor(async () => {
      const r = await sql.query<{ chain_id: string; seq: string; hash: string }>(
        "SELECT chain_id, seq, hash FROM checkpoints WHERE chain_id LIKE 'gw:%' ORDER BY chain_id, seq",
      );
      return r.rows.length === 2 ? r.rows : undefined;
    });
    const lines = readFileSync(witnessFile(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { chain_id: string; seq: number; hash: string; signature: string });
    for (const c of cps) {
      const copy = lines.find((l) => l.chain_id === c.chain_id && l.seq === Number(c.seq));
      expect(copy?.hash).toBe(c.hash);
      expect(received.some((b) => b.includes(c.hash))).toBe(true);
    }
    for (const src of sources()) {
      const v = await cli(dir, ['audit', 'verify', '--witness', src]);
      expect(v.stdout, src).toMatch(/^OK: /);
      expect(v.stdout, src).toMatch(/witness \S+: OK: (\d+) of \1 witnessed checkpoint\(s\)/);
      expect(v.code, src).toBe(0);
    }
  }, 120_000);

  it("an operator command's own chain (approvals, access) is witnessed like the gateway's", async () => {
    const cliChains = async (): Promise<Set<string>> =>
      new Set(
        (
          await sql.query<{ chain_id: string }>(
            "SELECT DISTINCT chain_id FROM checkpoints WHERE chain_id LIKE 'cli-%'",
          )
        ).rows.map((r) => r.chain_id),
      );
    for (const args of [
      ['approvals', 'list'],
      ['access', 'list'],
    ]) {
      const before = await cliChains();
      const r = await cli(dir, args);
      expect(r.code, r.stderr).toBe(0);
      const added = [...(await cliChains())].filter((c) => !before.has(c));
      expect(added, args.join(' ')).toHaveLength(1);
      const chain = added[0]!;
      const signed = await sql.query<{ seq: string; hash: string }>(
        'SELECT seq, hash FROM checkpoints WHERE chain_id = $1',
        [chain],
      );
      const lines = readFileSync(witnessFile(), 'utf8').trim().split('\n');
      for (const c of signed.rows) {
        const copy = lines
          .map((l) => JSON.parse(l) as { chain_id: string; seq: number; hash: string })
          .find((l) => l.chain_id === chain && l.seq === Number(c.seq));
        expect(copy?.hash, `${args.join(' ')}: ${chain}/${c.seq}`).toBe(c.hash);
      }
      expect(signed.rows.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it('a superuser rewrite with re-hashed chains passes plain verify, and fails against every witness', async () => {
    // gw:1: checkpoints dropped (nothing re-signed); gw:2: re-signed with the rewriter's own key.
    const seq1 = await rewriteChain(sql, 'gw:1');
    const seq2 = await rewriteChain(sql, 'gw:2', generateSigningKey().key);

    // What the database alone says: a consistent, unsigned (or self-signed) history — no problem.
    const plain = await cli(dir, ['audit', 'verify']);
    expect(plain.stdout).toMatch(/^OK: /);
    expect(plain.stdout).toMatch(/note: chain gw:1: \d+ record\(s\) after the last checkpoint \(seq none\)/);
    expect(plain.code).toBe(0);

    // What the witness adds: the checkpoints signed before the rewrite no longer match.
    for (const src of sources()) {
      const v = await cli(dir, ['audit', 'verify', '--witness', src]);
      expect(v.code, src).toBe(1);
      expect(v.stdout, src).toMatch(
        /first witness mismatch: chain gw:1 seq \d+ — modified: history rewritten: the database's record at seq \d+ has hash/,
      );
      expect(v.stdout, src).toMatch(/chain gw:2 seq \d+ — modified: history rewritten/);
    }
    expect(seq1).toBeGreaterThan(1);
    expect(seq2).toBeGreaterThan(1);
  }, 120_000);

  it('a failing witness is logged and metered, and never blocks calls (mcpgate serve)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'mcpgate-witness-down-'));
    const otherDb = await pgSchema({ prefix: 'mcpgate_witness_down' });
    let gw: ServeProcess | undefined;
    try {
      // Nothing listens on port 9 of the loopback: every POST fails. Checkpoints every 200 ms.
      writeConfig(
        `
policy: { default: allow }
upstreams: {}
store:
  url: ${JSON.stringify(otherDb.url)}
server: { port: 0 }
audit:
  signingKeyFile: audit-signing.key
  checkpointInterval: 200ms
  witness:
    webhook: { url: "http://127.0.0.1:9/down", timeout: 1s }
`,
        other,
      );
      gw = await startServe(join(other, 'mcpgate.yaml'));
      const failures = async (): Promise<number | undefined> => {
        const text = await (await fetch(`${gw!.url}/metrics`)).text();
        const m = /^mcpgate_audit_witness_failures_total\{witness="webhook"\} (\d+)$/m.exec(text);
        return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
      };
      await waitFor(failures, 20_000, 'a witness failure on /metrics');
      const client = newClient('legacy');
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
      expect((await client.listTools()).tools).toEqual([]);
      await client.close();
      expect(gw.stderr.some((l) => l.includes('audit checkpoint witness failed'))).toBe(true);
    } finally {
      await gw?.stop();
      await otherDb.drop();
      rmSync(other, { recursive: true, force: true });
    }
  }, 120_000);
});
