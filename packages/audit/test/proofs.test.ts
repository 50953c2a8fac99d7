import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChain } from '@mcpgate/core';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { loadOrCreateSigningKey, signCheckpoint, generateSigningKey } from '../src/chain/keys.js';
import type { InclusionProofFile, ConsistencyProofFile } from '../src/merkle/proof-file.js';
import { toSignedCheckpoint } from '../src/merkle/proof-file.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/types.js';
import { verifyStore } from '../src/verify/verify.js';
import type { CheckpointRecord } from '../src/verify/types.js';
import { cli } from './cli-run.js';
import { callCtx, policyStep, routeStep, session } from './fixtures.js';

describe('Merkle checkpoints: audit prove / audit verify --proof (Postgres, built CLI)', () => {
  let dir: string;
  let db: PgDatabase;
  let store: Store;
  let firstCall: string;
  let cps: CheckpointRecord[];
  const keyFile = (): string => join(dir, 'audit-signing.key');

  /** Three tool calls through the real audit steps; returns their correlation ids. */
  async function calls(rec: AuditRecorder, n: number): Promise<string[]> {
    const audit = createAuditSteps(rec);
    const steps = [audit.outer, routeStep, policyStep, audit.inner];
    const s = session();
    await rec.sessionStarted(s);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const ctx = callCtx(s, 'tools/call', { name: 'files__read', arguments: { path: `/srv/${i}` } });
      ids.push(ctx.correlationId);
      await runChain(steps, ctx, () =>
        Promise.resolve({ kind: 'result', result: { content: [{ type: 'text', text: `file ${i}` }] } }),
      );
    }
    await rec.flush();
    return ids;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-proofs-'));
    db = await pgSchema('mcpgate_proofs');
    writeFileSync(
      join(dir, 'mcpgate.yaml'),
      `upstreams: {}\nstore:\n  url: ${db.url}\naudit:\n  signingKeyFile: audit-signing.key\n`,
    );
    store = await openStore({ url: db.url });
    const { key } = loadOrCreateSigningKey(keyFile());
    writeFileSync(join(dir, 'trusted.pub'), `${key.publicKey}\n`);
    writeFileSync(join(dir, 'other.pub'), `${generateSigningKey().key.publicKey}\n`);
    const rec = await AuditRecorder.start(store, { replicaId: 'gw', signingKey: key });
    firstCall = (await calls(rec, 3))[0]!;
    await rec.checkpoint();
    await calls(rec, 4);
    await rec.checkpoint();
    await calls(rec, 2);
    await rec.close();
    cps = (
      await store.query<CheckpointRecord>(`SELECT * FROM checkpoints WHERE chain_id = 'gw:1' ORDER BY seq`)
    ).rows.map((c) => ({ ...c, seq: Number(c.seq) }));
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every checkpoint signs a Merkle root, and verify recomputes each one from the records', async () => {
    expect(cps).toHaveLength(3);
    for (const c of cps) expect(c.root_hash).toMatch(/^[0-9a-f]{64}$/);
    const report = await verifyStore(store);
    expect(report.ok).toBe(true);
    expect(report.merkleRoots).toBe(3);
  });

  it('prove writes a proof that verify --proof accepts offline, and pins the signer with --key', async () => {
    const out = join(dir, 'call.proof.json');
    const p = await cli(dir, ['audit', 'prove', firstCall, '--out', out]);
    expect(p.stderr).toBe('');
    expect(p.stdout).toMatch(/^wrote an inclusion proof of 2 record\(s\) of call c_/);
    expect(p.code).toBe(0);
    const proof = JSON.parse(readFileSync(out, 'utf8')) as InclusionProofFile;
    // Self-contained: the call's records, leaf hashes, paths and the first checkpoint covering them.
    expect(proof.chains).toHaveLength(1);
    expect(proof.chains[0]!.checkpoint.seq).toBe(cps[0]!.seq);
    expect(proof.chains[0]!.records.map((r) => r.record.type)).toEqual(['call.request', 'call.response']);

    // No config, no database: run it from an empty directory.
    const empty = mkdtempSync(join(tmpdir(), 'mcpgate-offline-'));
    const v = await cli(empty, ['audit', 'verify', '--proof', out]);
    expect(v.stdout).toMatch(/^OK: inclusion proof/);
    expect(v.stdout).toMatch(
      /gw:1\/\d+ call\.request is leaf \d+ of the tree signed by checkpoint gw:1\/\d+/,
    );
    expect(v.code).toBe(0);
    const pinned = await cli(empty, ['audit', 'verify', '--proof', out, '--key', join(dir, 'trusted.pub')]);
    expect(pinned.code).toBe(0);
    const wrongKey = await cli(empty, ['audit', 'verify', '--proof', out, '--key', join(dir, 'other.pub')]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/not in the trusted set/);
    rmSync(empty, { recursive: true, force: true });
  });

  it('fails for an altered record, an altered path, and a proof set against another checkpoint', async () => {
    const proof = JSON.parse(readFileSync(join(dir, 'call.proof.json'), 'utf8')) as InclusionProofFile;
    const write = (name: string, f: unknown): string => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(f));
      return file;
    };
    const chain = proof.chains[0]!;
    const rec0 = chain.records[0]!;

    // The record's body edited (its stored hash kept).
    const altered = write('altered.json', {
      ...proof,
      chains: [
        {
          ...chain,
          records: [
            { ...rec0, record: { ...rec0.record, body: rec0.record.body.replace('/srv/0', '/srv/9') } },
          ],
        },
      ],
    });
    const a = await cli(dir, ['audit', 'verify', '--proof', altered]);
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/^FAILED/);
    expect(a.stdout).toMatch(/content does not match its hash \(altered\)/);

    // The record edited and its hash recomputed: the path no longer leads to the signed root.
    const { eventHash } = await import('../src/chain/event.js');
    const forged = { ...rec0.record, body: rec0.record.body.replace('/srv/0', '/srv/9') };
    const forgedHash = eventHash({ ...forged, ts: new Date(forged.ts) });
    const { eventLeaf } = await import('../src/merkle/hash.js');
    const rehashed = write('rehashed.json', {
      ...proof,
      chains: [
        {
          ...chain,
          records: [
            {
              ...rec0,
              record: { ...forged, hash: forgedHash },
              leafHash: eventLeaf(forgedHash).toString('hex'),
            },
          ],
        },
      ],
    });
    const r = await cli(dir, ['audit', 'verify', '--proof', rehashed]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/audit path does not lead to the Merkle root signed by checkpoint gw:1\//);

    // The same records and paths, presented against a later (genuine, signed) checkpoint.
    const other = write('other-cp.json', {
      ...proof,
      chains: [{ ...chain, checkpoint: toSignedCheckpoint(cps[1]!) }],
    });
    const o = await cli(dir, ['audit', 'verify', '--proof', other]);
    expect(o.code).toBe(1);
    expect(o.stdout).toMatch(/does not lead to the Merkle root signed by checkpoint gw:1\//);

    // A checkpoint whose signed root was swapped.
    const swapped = write('swapped-root.json', {
      ...proof,
      chains: [{ ...chain, checkpoint: { ...chain.checkpoint, root_hash: cps[1]!.root_hash } }],
    });
    const s = await cli(dir, ['audit', 'verify', '--proof', swapped]);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/signature does not verify/);
  });

  it('consistency proofs between two checkpoints pass, and fail when altered or reversed', async () => {
    const out = join(dir, 'consistency.json');
    const p = await cli(dir, [
      'audit',
      'prove',
      '--consistency',
      `gw:1/${cps[0]!.seq}`,
      'latest',
      '--out',
      out,
    ]);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const v = await cli(dir, ['audit', 'verify', '--proof', out, '--key', join(dir, 'trusted.pub')]);
    expect(v.stdout).toMatch(
      new RegExp(
        `^OK: consistency proof[^\\n]*\\n  records 1\\.\\.${cps[0]!.seq} of chain gw:1 are unchanged`,
      ),
    );
    expect(v.code).toBe(0);

    const proof = JSON.parse(readFileSync(out, 'utf8')) as ConsistencyProofFile;
    expect(proof.second.seq).toBe(cps[2]!.seq);
    const path = [...proof.path];
    path[0] = path[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(join(dir, 'c-altered.json'), JSON.stringify({ ...proof, path }));
    const a = await cli(dir, ['audit', 'verify', '--proof', join(dir, 'c-altered.json')]);
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/is not a prefix of checkpoint gw:1\/\d+: records 1\.\.\d+ were rewritten/);
    // A first tree from elsewhere (the middle checkpoint) with the same path.
    writeFileSync(
      join(dir, 'c-other.json'),
      JSON.stringify({ ...proof, first: toSignedCheckpoint(cps[1]!) }),
    );
    expect((await cli(dir, ['audit', 'verify', '--proof', join(dir, 'c-other.json')])).code).toBe(1);
    const rev = await cli(dir, ['audit', 'prove', '--consistency', `gw:1/${cps[2]!.seq}`, `${cps[0]!.seq}`]);
    expect(rev.code).toBe(1);
    expect(rev.stderr).toMatch(/must not be after the second/);
  });

  it('old checkpoints without a root still verify; prove says when no Merkle checkpoint covers a call', async () => {
    const { key } = loadOrCreateSigningKey(keyFile());
    const rec = await AuditRecorder.start(store, { replicaId: 'old', signingKey: key, recover: false });
    const [late] = await calls(rec, 1);
    await rec.flush();
    const head = (
      await store.query<{ seq: number; hash: string }>(
        `SELECT seq, hash FROM events WHERE chain_id = 'old:1' ORDER BY seq DESC LIMIT 1`,
      )
    ).rows[0]!;
    // A checkpoint as written before roots existed: signature v1, no root_hash.
    const claim = { chain_id: 'old:1', seq: Number(head.seq), hash: head.hash, ts: new Date(), final: false };
    await store.query(
      `INSERT INTO checkpoints (chain_id, seq, hash, ts, final, public_key, signature) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [
        claim.chain_id,
        claim.seq,
        claim.hash,
        claim.ts.toISOString(),
        false,
        key.publicKey,
        signCheckpoint(claim, key),
      ],
    );
    const report = await verifyStore(store);
    expect(report.problems).toEqual([]);
    const p = await cli(dir, ['audit', 'prove', late!]);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/is not covered by a signed Merkle checkpoint yet/);
    await rec.close();
    // Once the writer's next (rooted) checkpoint covers it, the proof is there.
    const again = await cli(dir, ['audit', 'prove', late!]);
    expect(again.code).toBe(0);
    const f = JSON.parse(again.stdout) as InclusionProofFile;
    expect(f.chains[0]!.checkpoint.final).toBe(true);
    const none = await cli(dir, ['audit', 'prove', 'c_nope']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no audit record has correlation id "c_nope"/);
  });
});
