import { readFileSync } from 'node:fs';
import { verifyProof } from '@mcpgate/audit';
import { UsageError, type CommandContext } from '../command.js';

/** `audit verify --proof FILE`: offline, no config and no database. */
export function verifyProofFile(
  ctx: CommandContext,
  file: string,
  trustedKeys: readonly string[] | undefined,
  json: boolean,
): number {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--proof ${file} is not a readable JSON proof file: ${(err as Error).message}`);
  }
  const report = verifyProof(data, trustedKeys);
  if (json) {
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  ctx.stdout.write(`${report.ok ? 'OK' : 'FAILED'}: ${report.kind} proof ${file}\n`);
  for (const line of report.proven) ctx.stdout.write(`  ${line}\n`);
  for (const p of report.problems) ctx.stdout.write(`  problem: ${p}\n`);
  for (const k of report.publicKeys)
    ctx.stdout.write(`${trustedKeys ? 'signed by trusted key' : 'signed by public key'} ${k}\n`);
  if (!trustedKeys && report.ok)
    ctx.stdout.write('note: pass --key with the public key you trust to pin the signer\n');
  return report.ok ? 0 : 1;
}
