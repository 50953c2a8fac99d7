import { eventHash, GENESIS_HASH, type EventRow } from '../chain/event.js';
import { verifyCheckpoint } from '../chain/keys.js';
import { RootCheck } from '../merkle/check.js';
import type {
  ChainRange,
  CheckpointRecord,
  ProblemKind,
  PurgeRecord,
  VerifyInput,
  VerifyProblem,
  VerifyReport,
} from './types.js';

const MAX_PROBLEMS = 1000;
/** How many recent hashes per chain to remember, to tell "reordered" from "modified". */
const RECENT = 256;
const SWAP_SEARCH = 16;

interface ChainState {
  readonly range: ChainRange;
  expected: number;
  last: string | undefined;
  seen: number;
  lastSeq: number | undefined;
  readonly recent: Map<string, number>;
  readonly checkpoints: Map<number, CheckpointRecord>;
  /** Signed Merkle roots, recomputed when the walk starts at the chain's first record. */
  readonly roots: RootCheck | undefined;
}

/** Walks every chain once, in constant memory per chain, and names each bad record and why. */
export async function verifyEvents(input: VerifyInput): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  const add = (chain: string, seq: number, kind: ProblemKind, detail: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ chain, seq, kind, detail });
  };
  const writerKey = new Map(input.writers.map((w) => [w.chain_id, w.public_key]));
  const trusted = input.trustedKeys ? new Set(input.trustedKeys) : undefined;
  const keys = new Set<string>();

  const checkSignature = (
    chain: string,
    seq: number,
    what: string,
    claim: {
      chain_id: string;
      seq: number;
      hash: string;
      ts: Date;
      final: boolean;
      root_hash?: string | null | undefined;
    },
    publicKey: string,
    signature: string,
  ): boolean => {
    if (!verifyCheckpoint(claim, publicKey, signature)) {
      add(chain, seq, 'bad_signature', `${what} at seq ${seq}: Ed25519 signature does not verify`);
      return false;
    }
    const registered = writerKey.get(chain);
    if (registered !== undefined && registered !== publicKey) {
      add(
        chain,
        seq,
        'bad_signature',
        `${what} at seq ${seq} is signed by a key other than the writer's registered key`,
      );
      return false;
    }
    if (trusted && !trusted.has(publicKey)) {
      add(
        chain,
        seq,
        'bad_signature',
        `${what} at seq ${seq} is signed by a key that is not in the trusted set`,
      );
      return false;
    }
    keys.add(publicKey);
    return true;
  };

  const purges = new Map<string, PurgeRecord>();
  for (const p of input.purges) {
    const prior = purges.get(p.chain_id);
    if (!prior || p.through_seq > prior.through_seq) purges.set(p.chain_id, p);
  }

  const states = new Map<string, ChainState>();
  for (const range of [...input.ranges].sort((a, b) => (a.chain_id < b.chain_id ? -1 : 1))) {
    const purge = purges.get(range.chain_id);
    let expected = range.fromSeq;
    let last: string | undefined = range.partialStart ? range.prevHash : GENESIS_HASH;
    if (purge && !range.partialStart && purge.through_seq >= range.fromSeq - 1) {
      const claim = {
        chain_id: purge.chain_id,
        seq: purge.through_seq,
        hash: purge.through_hash,
        ts: purge.checkpoint_ts,
        final: purge.checkpoint_final,
        root_hash: purge.checkpoint_root_hash,
      };
      if (
        checkSignature(
          range.chain_id,
          purge.through_seq,
          'purge anchor',
          claim,
          purge.public_key,
          purge.signature,
        )
      ) {
        expected = purge.through_seq + 1;
        last = purge.through_hash;
      }
    }
    states.set(range.chain_id, {
      range,
      expected,
      last,
      seen: 0,
      lastSeq: undefined,
      recent: new Map(),
      checkpoints: new Map(),
      roots: expected === 1 && last === GENESIS_HASH ? new RootCheck() : undefined,
    });
  }

  let signedCheckpoints = 0;
  for (const cp of input.checkpoints) {
    const st = states.get(cp.chain_id);
    if (!st) continue;
    if (cp.seq < st.range.fromSeq) continue;
    if (cp.seq > st.range.toSeq && st.range.partialEnd) continue;
    if (checkSignature(cp.chain_id, cp.seq, 'checkpoint', cp, cp.public_key, cp.signature)) {
      st.checkpoints.set(cp.seq, cp);
      signedCheckpoints++;
    }
  }

  let done = 0;
  for await (const row of input.events) {
    const st = states.get(row.chain_id);
    if (!st) continue;
    done++;
    if (done % 5000 === 0) input.onProgress?.(done);
    verifyRow(st, row, add);
  }
  input.onProgress?.(done);

  for (const st of states.values()) {
    const chain = st.range.chain_id;
    const cps = [...st.checkpoints.values()].sort((a, b) => a.seq - b.seq);
    const lastCp = cps.at(-1);
    if (st.seen === 0) {
      if (!lastCp && st.expected > st.range.fromSeq) continue; // purged up to its last record
      if (lastCp)
        add(chain, lastCp.seq, 'truncated', `no records left, but a checkpoint signs seq ${lastCp.seq}`);
      else if (!st.range.partialStart)
        add(chain, st.expected, 'missing', 'writer is registered but the chain has no records');
      continue;
    }
    const endSeq = st.lastSeq ?? 0;
    if (lastCp && lastCp.seq > endSeq)
      add(
        chain,
        endSeq + 1,
        'truncated',
        `tail truncated: records end at seq ${endSeq} but a checkpoint signs seq ${lastCp.seq}`,
      );
    if (!lastCp || lastCp.seq < endSeq) {
      const unsigned = endSeq - (lastCp?.seq ?? st.range.fromSeq - 1);
      warnings.push(
        `chain ${chain}: ${unsigned} record(s) after the last checkpoint (seq ${lastCp?.seq ?? 'none'}) are covered by the hash chain but no signature yet — a cut there would not be detectable`,
      );
    }
  }

  return {
    ok: problems.length === 0,
    events: done,
    chains: states.size,
    checkpoints: signedCheckpoints,
    problems,
    warnings,
    publicKeys: [...keys],
    merkleRoots: [...states.values()].reduce((n, st) => n + (st.roots?.checked ?? 0), 0),
  };
}

function verifyRow(
  st: ChainState,
  row: EventRow,
  add: (chain: string, seq: number, kind: ProblemKind, detail: string) => void,
): void {
  const chain = st.range.chain_id;
  const seq = row.seq;
  if (st.lastSeq !== undefined && seq <= st.lastSeq) {
    add(chain, seq, 'reordered', `seq ${seq} appears after seq ${st.lastSeq}`);
    return;
  }
  if (seq > st.expected && !(st.seen === 0 && st.range.partialStart && st.range.prevHash === undefined)) {
    const detail =
      seq - 1 === st.expected
        ? `record seq ${st.expected} is missing`
        : `records seq ${st.expected}–${seq - 1} are missing`;
    add(chain, st.expected, 'missing', detail);
    st.last = undefined; // the link across a gap cannot be checked
  }
  const recomputed = eventHash(row);
  if (recomputed !== row.hash) {
    const movedFrom = findOriginalSeq(row);
    if (movedFrom !== undefined)
      add(
        chain,
        seq,
        'reordered',
        `record stored at seq ${seq} was written as seq ${movedFrom} (rows swapped or renumbered)`,
      );
    else add(chain, seq, 'modified', `record content does not match its hash (edited after it was written)`);
  } else if (st.last !== undefined && row.prev_hash !== st.last) {
    const linked = st.recent.get(row.prev_hash);
    if (linked !== undefined)
      add(chain, seq, 'reordered', `record links to seq ${linked}, not to seq ${seq - 1}`);
    else
      add(
        chain,
        seq - 1,
        'modified',
        `seq ${seq} links to a different predecessor: seq ${seq - 1} was altered and its hash recomputed`,
      );
  }
  const cp = st.checkpoints.get(seq);
  if (cp && (cp.hash !== row.hash || cp.hash !== recomputed))
    add(
      chain,
      seq,
      'modified',
      `checkpoint signed hash ${cp.hash.slice(0, 16)}… for seq ${seq}, the record now hashes to ${recomputed.slice(0, 16)}…`,
    );
  st.roots?.push(seq, recomputed);
  const rootProblem = cp ? st.roots?.mismatch(seq, cp.root_hash) : undefined;
  if (rootProblem) add(chain, seq, 'modified', rootProblem);
  st.recent.set(row.hash, seq);
  if (st.recent.size > RECENT) st.recent.delete(st.recent.keys().next().value!);
  st.last = row.hash;
  st.lastSeq = seq;
  st.expected = seq + 1;
  st.seen++;
}

/** A record whose hash matches its content under a nearby seq was moved, not edited. */
function findOriginalSeq(row: EventRow): number | undefined {
  for (let d = 1; d <= SWAP_SEARCH; d++) {
    for (const s of [row.seq - d, row.seq + d]) {
      if (s < 1) continue;
      if (eventHash({ ...row, seq: s }) === row.hash) return s;
    }
  }
  return undefined;
}
