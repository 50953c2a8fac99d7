import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { queryCalls } from '@mcpgate/audit';
import { isGatewayError } from '@mcpgate/core';
import { isSealedBlob, unseal, type SealedBlob } from '@mcpgate/masking';
import { str, UsageError, type Command, type CommandContext } from '../command.js';
import { CONFIG_OPTION, operator, withAudit } from './audit-common.js';

type Which = 'result' | 'arguments';

/**
 * Finds the sealed blob in what the operator has: a bare SealedBlob, or an audit record /
 * response body holding one under `extra.sealed` (result) or `extra.sealedArguments`.
 */
export function findSealedBlob(doc: unknown, which: Which): SealedBlob | undefined {
  if (isSealedBlob(doc)) return doc;
  const key = which === 'result' ? 'sealed' : 'sealedArguments';
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): SealedBlob | undefined => {
    if (typeof v !== 'object' || v === null || depth > 8 || seen.has(v)) return undefined;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (isSealedBlob(o[key])) return o[key];
    for (const child of Object.values(o)) {
      const found = walk(child, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(doc, 0);
}

async function open(ctx: CommandContext, blob: SealedBlob, keyPath: string): Promise<number> {
  const keyPem = await readFile(resolve(ctx.cwd, keyPath), 'utf8');
  try {
    const payload = unseal(blob, keyPem);
    ctx.stderr.write(`unsealed copy of ${blob.context || '(no context)'} (key ${blob.kid})\n`);
    ctx.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    return 0;
  } catch (err) {
    ctx.stderr.write(`mcpgate audit unseal: ${isGatewayError(err) ? err.message : String(err)}\n`);
    return 1;
  }
}

export const auditUnsealCommand: Command = {
  name: 'audit unseal',
  summary: 'open a sealed raw copy with the offline private key (forensic review; audited)',
  help: [
    'Usage: mcpgate audit unseal RECORD --key FILE [--arguments] [--config FILE]',
    '       mcpgate audit unseal --blob FILE --key FILE [--arguments] [--expect-correlation ID]',
    '',
    "RECORD is a call's correlation id: its sealed copy is read from the audit store, and the",
    'unsealing is recorded in the audit trail (audit.read, action "unseal") before anything is',
    'decrypted. With --blob, FILE is a sealed blob (JSON) or an exported record carrying one, opened',
    'offline (not recorded: there is no store). --key is the X25519 private key from',
    '`mcpgate seal-keygen`; --arguments opens the sealed request arguments instead of the result.',
    'Prints the unmasked payload as JSON on stdout. A wrong key or any tampering fails, including a',
    'blob moved to another call (the correlation id is authenticated).',
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    blob: { type: 'string' },
    key: { type: 'string', short: 'k' },
    arguments: { type: 'boolean' },
    'expect-correlation': { type: 'string' },
  },
  positionals: true,
  async run(ctx) {
    const blobPath = str(ctx.values, 'blob');
    const keyPath = str(ctx.values, 'key');
    const record = ctx.positionals[0];
    if (!keyPath) throw new UsageError('--key FILE is required');
    if (ctx.positionals.length > 1) throw new UsageError('give one RECORD');
    if ((record === undefined) === (blobPath === undefined))
      throw new UsageError('give either RECORD (a correlation id) or --blob FILE');
    const which: Which = ctx.values.arguments === true ? 'arguments' : 'result';

    if (record !== undefined) {
      return withAudit(ctx, 'audit unseal', async ({ store, recorder }) => {
        // Durable before the read: who opened which call's raw copy.
        await recorder.recordRead(operator(), 'unseal', { record, which });
        // The blob's clear context is the correlation id, so a text match finds the call; the
        // exact id is then checked on the row.
        const rows = await queryCalls(store, { text: record, limit: 1000 });
        const row = rows.find((r) => r.correlationId === record);
        const blob = row ? findSealedBlob(row.response, which) : undefined;
        if (!blob || blob.context !== record) {
          ctx.stderr.write(`mcpgate audit unseal: no sealed ${which} copy recorded for ${record}\n`);
          return 1;
        }
        return open(ctx, blob, keyPath);
      });
    }

    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(resolve(ctx.cwd, blobPath!), 'utf8'));
    } catch (err) {
      ctx.stderr.write(`mcpgate audit unseal: cannot read ${blobPath} as JSON: ${(err as Error).message}\n`);
      return 1;
    }
    const blob = findSealedBlob(doc, which);
    if (!blob) {
      ctx.stderr.write(`mcpgate audit unseal: no sealed ${which} copy in ${blobPath}\n`);
      return 1;
    }
    const expected = str(ctx.values, 'expect-correlation');
    if (expected !== undefined && blob.context !== expected) {
      ctx.stderr.write(
        `mcpgate audit unseal: blob belongs to ${blob.context || '(no context)'}, not ${expected}\n`,
      );
      return 1;
    }
    return open(ctx, blob, keyPath);
  },
};
