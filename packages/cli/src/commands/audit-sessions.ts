import { OUTPUT_OPTIONS, outputFormat, outputWidth, renderTable, type Column } from '../runtime/table.js';
import { tableTime } from './audit-query.js';
import { listSessions } from '@mcpgate/audit';
import { str, UsageError, type Command } from '../command.js';
import {
  CONFIG_OPTION,
  givenFilters,
  operator,
  parseWindow,
  WINDOW_OPTIONS,
  withAudit,
} from './audit-common.js';

export const auditSessionsCommand: Command = {
  name: 'audit sessions',
  summary: 'list recorded client sessions (who, how, when, how many calls)',
  help: [
    'Usage: mcpgate audit sessions [--since 24h | --from DATE] [--to DATE] [--user SUBJECT] [--limit 100]',
    '                              [--format table|json|jsonl] [--width N] [--config FILE]',
    '',
    'Then: mcpgate audit replay <session id> shows one session as a timeline.',
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    ...WINDOW_OPTIONS,
    user: { type: 'string' },
    limit: { type: 'string' },
    ...OUTPUT_OPTIONS,
  },
  async run(ctx) {
    const format = outputFormat(ctx);
    const width = outputWidth(ctx);
    const limit = Number(str(ctx.values, 'limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a positive integer');
    const window = parseWindow(ctx.values);
    const user = str(ctx.values, 'user');
    return withAudit(ctx, 'audit sessions', async ({ store, recorder }) => {
      await recorder.recordRead(
        operator(),
        'sessions',
        givenFilters(ctx.values, ['since', 'from', 'to', 'user', 'limit']),
      );
      const rows = await listSessions(store, { ...window, ...(user ? { user } : {}), limit });
      const json = rows.map((s) => ({
        ...s,
        startedAt: s.startedAt.toISOString(),
        endedAt: s.endedAt?.toISOString() ?? null,
      }));
      if (format === 'json') ctx.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      else if (format === 'jsonl') for (const s of json) ctx.stdout.write(`${JSON.stringify(s)}\n`);
      else {
        const columns: Column[] = [
          { header: 'started (UTC)', min: 14 },
          { header: 'took', min: 6 },
          { header: 'user', min: 6 },
          { header: 'face', min: 6 },
          { header: 'client', min: 6 },
          { header: 'calls', align: 'right' },
          { header: 'session', overflow: 'wrap', min: 11 },
        ];
        const body = rows.map((s) => {
          const client = s.info.client as { name?: string; version?: string } | undefined;
          const took = s.endedAt
            ? `${Math.round((s.endedAt.getTime() - s.startedAt.getTime()) / 1000)}s`
            : '(open)';
          return [
            tableTime(s.startedAt),
            took,
            s.subject ?? '',
            `${typeof s.info.face === 'string' ? s.info.face : ''}/${typeof s.info.era === 'string' ? s.info.era : ''}`,
            client ? `${client.name ?? ''} ${client.version ?? ''}` : '',
            String(s.calls),
            s.id,
          ];
        });
        ctx.stdout.write(`${renderTable(columns, body, width)}${rows.length} session(s)\n`);
      }
      return 0;
    });
  },
};
