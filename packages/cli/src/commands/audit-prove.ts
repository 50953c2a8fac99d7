import { writeFileSync } from 'node:fs';
import { proveCall, proveConsistency } from '@mcpgate/audit';
import { bool, str, UsageError, type Command } from '../command.js';
import { CONFIG_OPTION, operator, withAudit } from './audit-common.js';

export const auditProveCommand: Command = {
  name: 'audit prove',
  summary: "Merkle proof of one call's records, or of two checkpoints' consistency (offline)",
  help: [
    'Usage: mcpgate audit prove <correlation-id> [--out FILE] [--config FILE]',
    '       mcpgate audit prove --consistency <chain>/<seq> <chain>/<seq>|<seq>|latest [--out FILE]',
    '',
    'The first form proves every record of one call (the correlation id every error carries) against',
    'the first signed checkpoint whose Merkle root covers it. The second proves that the chain at the',
    'first checkpoint is an unchanged prefix of the chain at the second (RFC 9162). The file holds the',
    'records, leaf hashes, audit paths, the signed checkpoint(s) and the public key: check it with',
    '"mcpgate audit verify --proof FILE [--key PUBKEY_FILE]", no database needed. Writes to stdout',
    'without --out. The command is recorded in the audit trail.',
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    consistency: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
  },
  positionals: true,
  async run(ctx) {
    const consistency = bool(ctx.values, 'consistency');
    const args = ctx.positionals;
    if (consistency ? args.length !== 2 : args.length !== 1)
      throw new UsageError(
        consistency
          ? '--consistency takes two checkpoints: <chain>/<seq> <chain>/<seq> (the second may be just <seq> or latest)'
          : 'give one correlation id (e.g. c_01JD…), or --consistency with two checkpoints',
      );
    const out = str(ctx.values, 'out');
    return withAudit(ctx, 'audit prove', async ({ store, recorder }) => {
      await recorder.recordRead(operator(), 'prove', {
        ...(consistency ? { consistency: args } : { correlationId: args[0] }),
        ...(out ? { out } : {}),
      });
      const proof = consistency
        ? await proveConsistency(store, args[0]!, args[1]!)
        : await proveCall(store, args[0]!);
      const text = `${JSON.stringify(proof, null, 2)}\n`;
      if (!out) {
        ctx.stdout.write(text);
        return 0;
      }
      writeFileSync(out, text, { flag: 'wx' });
      const what =
        proof.kind === 'inclusion'
          ? `${proof.chains.reduce((n, c) => n + c.records.length, 0)} record(s) of call ${proof.correlationId}`
          : `chain ${proof.first.chain_id} seq ${proof.first.seq} → ${proof.second.seq}`;
      ctx.stdout.write(
        `wrote ${proof.kind === 'inclusion' ? 'an inclusion' : 'a consistency'} proof of ${what} to ${out}\n`,
      );
      return 0;
    });
  },
};
