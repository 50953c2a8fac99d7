import type { CallRow } from '@mcpgate/audit';
import { queryCalls } from '@mcpgate/audit';
import { str, UsageError, type Command } from '../command.js';
import {
  CONFIG_OPTION,
  givenFilters,
  operator,
  parseWindow,
  WINDOW_OPTIONS,
  withAudit,
} from './audit-common.js';

const FILTERS = [
  'since',
  'from',
  'to',
  'user',
  'group',
  'upstream',
  'tool',
  'decision',
  'outcome',
  'session',
  'text',
  'limit',
];

function durationMs(c: CallRow): string {
  return c.completedAt ? String(c.completedAt.getTime() - c.requestedAt.getTime()) : '';
}

/** A plain aligned table: one line per call. */
export function callsTable(rows: readonly CallRow[]): string {
  const head = ['time', 'user', 'method', 'upstream', 'target', 'decision', 'outcome', 'ms', 'correlation'];
  const body = rows.map((c) => [
    c.requestedAt.toISOString(),
    c.subject ?? '',
    c.method ?? '',
    c.upstream ?? '',
    c.target ?? '',
    c.decision ?? '',
    c.outcome ?? (c.recordType === 'call.request' ? 'pending' : ''),
    durationMs(c),
    c.correlationId,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...body.map(line)].join('\n')}\n${rows.length} call(s)\n`;
}

export function callJson(c: CallRow): Record<string, unknown> {
  return {
    ...c,
    requestedAt: c.requestedAt.toISOString(),
    completedAt: c.completedAt?.toISOString() ?? null,
  };
}

export const auditQueryCommand: Command = {
  name: 'audit query',
  summary: 'search recorded calls by time, user, group, upstream, tool, decision or free text',
  help: [
    'Usage: mcpgate audit query [--since 24h | --from DATE] [--to DATE] [--user SUBJECT] [--group G]',
    '                           [--upstream NAME] [--tool NAME] [--decision allow|deny|…] [--outcome ok|tool_error|CODE|unknown]',
    '                           [--session ID] [--text WORDS] [--limit 100] [--format table|json|jsonl] [--config FILE]',
    '',
    'Lists calls oldest first (the most recent --limit matches). --text searches the recorded',
    'arguments and results (case-insensitive). The query itself is recorded in the audit trail.',
  ].join('\n'),
  options: {
    ...CONFIG_OPTION,
    ...WINDOW_OPTIONS,
    user: { type: 'string' },
    group: { type: 'string' },
    upstream: { type: 'string' },
    tool: { type: 'string' },
    decision: { type: 'string' },
    outcome: { type: 'string' },
    session: { type: 'string' },
    text: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
  },
  async run(ctx) {
    const format = str(ctx.values, 'format') ?? 'table';
    if (!['table', 'json', 'jsonl'].includes(format))
      throw new UsageError('--format is table, json or jsonl');
    const limitRaw = str(ctx.values, 'limit');
    const limit = limitRaw === undefined ? 100 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a positive integer');
    const window = parseWindow(ctx.values);
    const v = (k: string): string | undefined => str(ctx.values, k);
    return withAudit(ctx, 'audit query', async ({ store, recorder }) => {
      await recorder.recordRead(operator(), 'query', givenFilters(ctx.values, FILTERS));
      const rows = await queryCalls(store, {
        ...window,
        ...(v('user') ? { user: v('user') } : {}),
        ...(v('group') ? { group: v('group') } : {}),
        ...(v('upstream') ? { upstream: v('upstream') } : {}),
        ...(v('tool') ? { tool: v('tool') } : {}),
        ...(v('decision') ? { decision: v('decision') } : {}),
        ...(v('outcome') ? { outcome: v('outcome') } : {}),
        ...(v('session') ? { session: v('session') } : {}),
        ...(v('text') ? { text: v('text') } : {}),
        limit,
      });
      if (format === 'json') ctx.stdout.write(`${JSON.stringify(rows.map(callJson), null, 2)}\n`);
      else if (format === 'jsonl') for (const r of rows) ctx.stdout.write(`${JSON.stringify(callJson(r))}\n`);
      else ctx.stdout.write(callsTable(rows));
      return 0;
    });
  },
};
