import { readFile } from 'node:fs/promises';
import { GatewayError } from '@mcpgate/core';
import type { SignedCheckpoint } from '../merkle/proof-file.js';
import { S3Witness, type S3WitnessOptions } from './s3.js';

function parseCopy(v: unknown, where: string): SignedCheckpoint {
  const o = v as Record<string, unknown> | null;
  const ok =
    o !== null &&
    typeof o === 'object' &&
    typeof o.chain_id === 'string' &&
    typeof o.seq === 'number' &&
    typeof o.hash === 'string' &&
    typeof o.ts === 'string' &&
    typeof o.final === 'boolean' &&
    typeof o.public_key === 'string' &&
    typeof o.signature === 'string' &&
    (o.root_hash === null || o.root_hash === undefined || typeof o.root_hash === 'string');
  if (!ok) throw new GatewayError('invalid_params', `${where} is not a checkpoint copy`);
  return {
    chain_id: o.chain_id as string,
    seq: o.seq as number,
    hash: o.hash as string,
    ts: o.ts as string,
    final: o.final as boolean,
    root_hash: (o.root_hash as string | null | undefined) ?? null,
    public_key: o.public_key as string,
    signature: o.signature as string,
  };
}

/** JSON Lines (what the file witness writes) or one JSON array. */
function parseText(text: string, source: string): SignedCheckpoint[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const arr = JSON.parse(trimmed) as unknown[];
    return arr.map((v, i) => parseCopy(v, `${source} item ${i + 1}`));
  }
  const out: SignedCheckpoint[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new GatewayError('invalid_params', `${source} line ${i + 1} is not JSON`);
    }
    out.push(parseCopy(v, `${source} line ${i + 1}`));
  });
  return out;
}

/**
 * Reads the witnessed checkpoints from a file (JSON Lines, as the file witness writes), an
 * http(s) URL (JSON Lines or a JSON array, e.g. what a webhook receiver serves back), or
 * `s3://bucket/prefix` (with the endpoint and credentials of `audit.witness.s3`).
 */
export async function readWitness(source: string, s3?: S3WitnessOptions): Promise<SignedCheckpoint[]> {
  try {
    if (source.startsWith('s3://')) {
      if (!s3)
        throw new GatewayError(
          'invalid_params',
          `--witness ${source} needs audit.witness.s3 in the config (endpoint and credentials)`,
        );
      const u = new URL(source);
      const prefix = u.pathname.replace(/^\//, '');
      const w = new S3Witness({ ...s3, bucket: u.hostname, ...(prefix ? { prefix } : {}) });
      return (await w.readAll()).map((v, i) => parseCopy(v, `${source} object ${i + 1}`));
    }
    if (/^https?:\/\//.test(source)) {
      const res = await fetch(source, { signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return parseText(text, source);
    }
    return parseText(await readFile(source, 'utf8'), source);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(
      'invalid_params',
      `cannot read the witness ${source}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
