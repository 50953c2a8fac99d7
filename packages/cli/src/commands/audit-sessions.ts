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
    '                              [--format table|json|jsonl] [--config FILE]',
    '',
    'Then: mcpgate audit replay <session id> shows one session as a timeline.',
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    ...WINDOW_OPTIONS,
    user: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
  },
  async run(ctx) {
    const format = str(ctx.values, 'format') ?? 'table';
    if (!['table', 'json', 'jsonl'].includes(format))
      throw new UsageError('--format is table, json or jsonl');
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
        const head = ['started', 'ended', 'user', 'face', 'client', 'calls', 'session'];
        const body = rows.map((s) => {
          const client = s.info.client as { name?: string; version?: string } | undefined;
          return [
            s.startedAt.toISOString(),
            s.endedAt?.toISOString() ?? '(open)',
            s.subject ?? '',
            `${typeof s.info.face === 'string' ? s.info.face : ''}/${typeof s.info.era === 'string' ? s.info.era : ''}`,
            client ? `${client.name ?? ''} ${client.version ?? ''}` : '',
            String(s.calls),
            s.id,
          ];
        });
        const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
        const line = (r: string[]): string =>
          r
            .map((x, i) => x.padEnd(widths[i]!))
            .join('  ')
            .trimEnd();
        ctx.stdout.write(`${[line(head), ...body.map(line)].join('\n')}\n${rows.length} session(s)\n`);
      }
      return 0;
    });
  },
};
