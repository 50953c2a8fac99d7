import { readFileSync } from 'node:fs';
import type { PackReport, VerifyReport } from '@mcpgate/audit';
import { countEvents, verifyExportFile, verifyReportPack, verifyStore } from '@mcpgate/audit';
import { isGatewayError } from '@mcpgate/core';
import { str, type Command, type CommandContext } from '../command.js';
import { outputFormat } from '../runtime/table.js';
import {
  CONFIG_OPTION,
  givenFilters,
  operator,
  parseWindow,
  progress,
  WINDOW_OPTIONS,
  withAudit,
} from './audit-common.js';
import { verifyProofFile } from './audit-proof-common.js';
import { printWitness, verifyAgainstWitness } from './audit-witness-common.js';

function print(ctx: CommandContext, report: VerifyReport, json: boolean): number {
  if (json) {
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const first = report.problems[0];
  ctx.stdout.write(
    `${report.ok ? 'OK' : 'FAILED'}: ${report.events} records in ${report.chains} chain(s), ${report.checkpoints} signed checkpoint(s)\n`,
  );
  if (first)
    ctx.stdout.write(
      `first bad record: chain ${first.chain} seq ${first.seq} — ${first.kind}: ${first.detail}\n`,
    );
  for (const p of report.problems.slice(1, 20))
    ctx.stdout.write(`  also: chain ${p.chain} seq ${p.seq} — ${p.kind}: ${p.detail}\n`);
  if (report.problems.length > 20) ctx.stdout.write(`  … ${report.problems.length - 20} more\n`);
  for (const w of report.warnings) ctx.stdout.write(`note: ${w}\n`);
  for (const k of report.publicKeys) ctx.stdout.write(`signed by public key ${k}\n`);
  return report.ok ? 0 : 1;
}

function printPack(ctx: CommandContext, dir: string, report: PackReport, json: boolean): number {
  if (json) {
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  const period = report.period ? ` for ${report.period.from} – ${report.period.to}` : '';
  ctx.stdout.write(
    report.ok
      ? `OK: evidence pack ${dir}${period}: ${report.files} file(s) match the signed manifest\n`
      : `FAILED: evidence pack ${dir}${period}\n`,
  );
  for (const p of report.problems) ctx.stdout.write(`  ${p.file}: ${p.detail}\n`);
  if (report.publicKey) ctx.stdout.write(`signed by public key ${report.publicKey}\n`);
  return report.ok ? 0 : 1;
}

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'recompute the audit hash chains and checkpoint signatures; name the first bad record',
  help: [
    'Usage: mcpgate audit verify [--since 24h | --from DATE] [--to DATE] [--config FILE] [--key PUBKEY_FILE] [--format table|json]',
    '       mcpgate audit verify --witness FILE|URL|s3://BUCKET/PREFIX [--key PUBKEY_FILE] [--format table|json]',
    '       mcpgate audit verify --file EXPORT [--key PUBKEY_FILE] [--format table|json]   (offline, no database)',
    '       mcpgate audit verify --proof PROOF [--key PUBKEY_FILE] [--format table|json]   (offline: see audit prove)',
    '       mcpgate audit verify --report DIR [--key PUBKEY_FILE] [--format table|json]    (evidence pack, offline)',
    '',
    'Exits 0 when every record links to its predecessor, every checkpoint signature verifies and no',
    'signed record is missing; 1 otherwise, naming the first bad record (modified, missing, reordered,',
    'truncated, bad_signature). --key restricts accepted signers to the public key(s) in the file',
    '(base64 SPKI, one per line). A progress bar is drawn on stderr when it is a terminal.',
    '--witness also holds the database against the checkpoints published outside it (audit.witness):',
    'a database rewritten by its owner, even into a consistent unsigned chain, fails there.',
    'With --report, checks an evidence pack from "mcpgate audit report": the manifest signature and',
    "every file's SHA-256; each edited, missing or added file is named.",
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    ...WINDOW_OPTIONS,
    file: { type: 'string' },
    proof: { type: 'string' },
    witness: { type: 'string' },
    report: { type: 'string' },
    key: { type: 'string' },
    // One report per run: table (for people) or json; jsonl would add nothing.
    format: { type: 'string', description: 'table (for people, the default) or json' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const json = outputFormat(ctx, ['table', 'json']) === 'json';
    const keyFile = str(ctx.values, 'key');
    const trustedKeys = keyFile
      ? readFileSync(keyFile, 'utf8')
          .split(/\s+/)
          .filter((l) => l.length > 0)
      : undefined;
    const file = str(ctx.values, 'file');
    const proof = str(ctx.values, 'proof');
    if (proof) return verifyProofFile(ctx, proof, trustedKeys, json);
    const packDir = str(ctx.values, 'report');
    if (packDir) {
      try {
        return printPack(
          ctx,
          packDir,
          await verifyReportPack(packDir, trustedKeys ? { trustedKeys } : {}),
          json,
        );
      } catch (err) {
        if (!isGatewayError(err)) throw err;
        ctx.stderr.write(`mcpgate audit verify: ${err.message}\n`);
        return 1;
      }
    }
    if (file) {
      const bar = progress(ctx, 'verifying');
      const report = await verifyExportFile(file, {
        ...(trustedKeys ? { trustedKeys } : {}),
        onProgress: (n) => bar.tick(n),
      });
      bar.done();
      return print(ctx, report, json);
    }
    const window = parseWindow(ctx.values);
    const witness = str(ctx.values, 'witness');
    return withAudit(ctx, 'audit verify', async ({ store, recorder, config }) => {
      await recorder.recordRead(
        operator(),
        'verify',
        givenFilters(ctx.values, ['since', 'from', 'to', 'key', 'witness']),
      );
      // This command's own chain (writer.started, the audit.read above) is signed before it is
      // verified: otherwise the report warns about records the command itself just wrote.
      await recorder.checkpoint();
      const bar = progress(ctx, 'verifying', await countEvents(store, window));
      const report = await verifyStore(store, {
        ...window,
        ...(trustedKeys ? { trustedKeys } : {}),
        onProgress: (n) => bar.tick(n),
      });
      bar.done();
      if (!witness) return print(ctx, report, json);
      const w = await verifyAgainstWitness(store, config, witness, trustedKeys);
      if (json) {
        ctx.stdout.write(`${JSON.stringify({ ...report, ok: report.ok && w.ok, witness: w }, null, 2)}\n`);
        return report.ok && w.ok ? 0 : 1;
      }
      const code = print(ctx, report, false);
      printWitness(ctx, witness, w);
      return code === 0 && w.ok ? 0 : 1;
    });
  },
};
