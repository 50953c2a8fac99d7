import { resolve } from 'node:path';
import { buildReport, countEvents, streamHeldCalls, writeReportPack } from '@mcpgate/audit';
import { str, UsageError, type Command } from '../command.js';
import {
  CONFIG_OPTION,
  givenFilters,
  operator,
  parseWindow,
  progress,
  WINDOW_OPTIONS,
  withAudit,
} from './audit-common.js';

function days(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${Math.round(ms / 1000)}s`;
}

export const auditReportCommand: Command = {
  name: 'audit report',
  summary: 'write a signed evidence pack for an assessor: HTML report with charts, JSON, and the queries',
  help: [
    'Usage: mcpgate audit report --from DATE [--to DATE] [--out DIR] [--config FILE]',
    '       mcpgate audit report --since 30d [--out DIR]',
    '',
    'Writes DIR (default ./mcpgate-evidence-<from>): index.html (printable, charts inline, no external',
    'assets), report.json (the same data), held-calls.csv (every held call of the period), and',
    'manifest.json listing every file with its SHA-256,',
    'signed with the audit signing key (manifest.sig). Sections follow the SOC 2 trust services',
    'criteria; every figure is printed with the SQL query that produced it. The chains of the period',
    'are verified as part of the report. Check the pack offline with',
    '"mcpgate audit verify --report DIR". --to defaults to now; DIR must be new or empty.',
  ].join('\n'),
  options: { ...CONFIG_OPTION, ...WINDOW_OPTIONS, out: { type: 'string', short: 'o' } },
  async run(ctx) {
    const window = parseWindow(ctx.values);
    if (!window.from) throw new UsageError('give the period: --from DATE (or --since 30d), and --to DATE');
    const from = window.from;
    const to = window.to ?? new Date();
    const out = resolve(
      ctx.cwd,
      str(ctx.values, 'out') ?? `mcpgate-evidence-${from.toISOString().slice(0, 10)}`,
    );
    return withAudit(ctx, 'audit report', async ({ config, store, recorder, signingKey }) => {
      await recorder.recordRead(operator(), 'report', {
        ...givenFilters(ctx.values, ['since', 'from', 'to']),
        out,
      });
      const verifying = progress(ctx, 'verifying', await countEvents(store, { from, to }));
      let queries: ReturnType<typeof progress> | undefined;
      const data = await buildReport(store, {
        from,
        to,
        store: store.kind,
        retention: config.audit.retention === undefined ? undefined : days(config.audit.retention),
        onVerifyProgress: (n) => verifying.tick(n),
        onQuery: (done, total) => {
          if (!queries) {
            verifying.done();
            queries = progress(ctx, 'querying', total);
          }
          queries.tick(done);
        },
      });
      queries?.done();
      const pack = await writeReportPack(out, data, signingKey, [
        { name: 'held-calls.csv', write: (w) => streamHeldCalls(store, { from, to }, w) },
      ]);
      ctx.stdout.write(
        `evidence pack for ${data.period.from} – ${data.period.to} written to ${out}\n` +
          `  ${pack.files.map((f) => f.path).join(', ')}, manifest.json, manifest.sig\n` +
          `  chain verification: ${data.verification.ok ? 'verified' : 'FAILED'} (${data.verification.records} records)\n` +
          `  check it with: mcpgate audit verify --report ${out}\n`,
      );
      return 0;
    });
  },
};
