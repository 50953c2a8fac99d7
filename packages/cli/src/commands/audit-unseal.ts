import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isGatewayError } from '@mcpgate/core';
import { isSealedBlob, unseal, type SealedBlob } from '@mcpgate/masking';
import { str, UsageError, type Command } from '../command.js';

/**
 * Finds the sealed blob in what the operator exported: a bare SealedBlob, or an audit record /
 * response body holding one under `extra.sealed` (result) or `extra.sealedArguments`.
 */
export function findSealedBlob(doc: unknown, which: 'result' | 'arguments'): SealedBlob | undefined {
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

export const auditUnsealCommand: Command = {
  name: 'audit unseal',
  summary: 'open a sealed raw copy with the offline private key (forensic review)',
  help: [
    'Usage: mcpgate audit unseal --blob FILE --key FILE [--arguments] [--expect-correlation ID]',
    '',
    'FILE is a sealed blob (JSON) or an exported audit record that carries one (extra.sealed;',
    'extra.sealedArguments with --arguments). --key is the X25519 private key from',
    '`mcpgate seal-keygen`. Prints the unmasked payload as JSON on stdout. A wrong key or any',
    'tampering (including a blob moved to another call: the correlation id is authenticated) fails.',
    'Reading a record straight from the audit store by id (mcpgate audit unseal RECORD) arrives with',
    'the audit query API; until then, export the record and pass it with --blob.',
  ].join('\n'),
  options: {
    blob: { type: 'string' },
    key: { type: 'string', short: 'k' },
    arguments: { type: 'boolean' },
    'expect-correlation': { type: 'string' },
  },
  positionals: true,
  async run(ctx) {
    const blobPath = str(ctx.values, 'blob');
    const keyPath = str(ctx.values, 'key');
    if (ctx.positionals.length > 0 && !blobPath)
      throw new UsageError(
        'reading a record by id needs the audit query API; export the record and use --blob FILE',
      );
    if (!blobPath || !keyPath) throw new UsageError('--blob FILE and --key FILE are required');
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(resolve(ctx.cwd, blobPath), 'utf8'));
    } catch (err) {
      ctx.stderr.write(`mcpgate audit unseal: cannot read ${blobPath} as JSON: ${(err as Error).message}\n`);
      return 1;
    }
    const which = ctx.values.arguments === true ? 'arguments' : 'result';
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
  },
};
