import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { countEvents, exportAudit } from '@mcpgate/audit';
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

export const auditExportCommand: Command = {
  name: 'audit export',
  summary: 'export the audit trail with its chain proof (jsonl or csv), verifiable offline',
  help: [
    'Usage: mcpgate audit export --out FILE [--since 24h | --from DATE] [--to DATE] [--format jsonl|csv] [--config FILE]',
    '',
    "Streams in constant memory. The file carries the writers' public keys and the signed checkpoints,",
    'so "mcpgate audit verify --file FILE" checks it with no database. The export is recorded in the',
    'audit trail.',
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    ...WINDOW_OPTIONS,
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
  },
  async run(ctx) {
    const out = str(ctx.values, 'out');
    if (!out) throw new UsageError('--out FILE is required');
    const format = str(ctx.values, 'format') ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format is jsonl or csv');
    const window = parseWindow(ctx.values);
    return withAudit(ctx, 'audit export', async ({ store, recorder }) => {
      await recorder.recordRead(operator(), 'export', {
        ...givenFilters(ctx.values, ['since', 'from', 'to', 'format']),
        out,
      });
      const bar = progress(ctx, 'exporting', await countEvents(store, window));
      // An export holds the audit trail itself (arguments, identities): owner-only like the store.
      const file = createWriteStream(out, { flags: 'wx', mode: 0o600 });
      try {
        const summary = await exportAudit(store, {
          ...window,
          format,
          write: async (chunk) => {
            if (!file.write(chunk)) await once(file, 'drain');
          },
          onProgress: (n) => bar.tick(n),
        });
        file.end();
        await once(file, 'close');
        bar.done();
        ctx.stdout.write(
          `exported ${summary.events} records from ${summary.chains} chain(s) with ${summary.checkpoints} checkpoint(s) to ${out}\n`,
        );
        return 0;
      } catch (err) {
        file.destroy();
        bar.done();
        throw err;
      }
    });
  },
};
