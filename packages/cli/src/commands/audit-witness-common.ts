import type { SqlQueryable } from '@mcpgate/core';
import { checkWitness, readWitness, type WitnessReport } from '@mcpgate/audit';
import type { GatewayConfig } from '@mcpgate/config';
import type { CommandContext } from '../command.js';
import { witnessConfig } from '../runtime/audit.js';

/** `audit verify --witness FILE|URL|s3://bucket/prefix`: the database held against the published checkpoints. */
export async function verifyAgainstWitness(
  store: SqlQueryable,
  config: GatewayConfig,
  source: string,
  trustedKeys: readonly string[] | undefined,
): Promise<WitnessReport> {
  const copies = await readWitness(source, witnessConfig(config)?.s3);
  return checkWitness(store, copies, trustedKeys);
}

export function printWitness(ctx: CommandContext, source: string, r: WitnessReport): void {
  ctx.stdout.write(
    `witness ${source}: ${r.ok ? 'OK' : 'FAILED'}: ${r.matched} of ${r.copies} witnessed checkpoint(s) in ${r.chains} chain(s) match the database${r.purged ? ` (${r.purged} in purged segments)` : ''}\n`,
  );
  const [first, ...rest] = r.problems;
  if (first)
    ctx.stdout.write(
      `first witness mismatch: chain ${first.chain} seq ${first.seq} — ${first.kind}: ${first.detail}\n`,
    );
  for (const p of rest.slice(0, 19))
    ctx.stdout.write(`  also: chain ${p.chain} seq ${p.seq} — ${p.kind}: ${p.detail}\n`);
  if (rest.length > 19) ctx.stdout.write(`  … ${rest.length - 19} more\n`);
  if (r.copies === 0) ctx.stdout.write('note: the witness holds no checkpoint: nothing to compare\n');
}
