import { OUTPUT_OPTIONS, outputFormat, outputWidth, renderTable, type Column } from '../runtime/table.js';
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

/** Month, day and time to the second (UTC) fit a table; the JSON formats keep the full timestamp. */
export function tableTime(d: Date): string {
  return d.toISOString().slice(5, 19).replace('T', ' ');
}

/**
 * One row per call, fitted to `width` columns: text columns are cut with "…", while ids wrap
 * (they are what you copy into the next command) and times keep their 14 characters.
 */
export function callsTable(rows: readonly CallRow[], width: number): string {
  const columns: Column[] = [
    { header: 'time (UTC)', min: 14 },
    { header: 'user', min: 6 },
    { header: 'method', min: 8 },
    { header: 'target', min: 8 },
    { header: 'result', min: 8 },
    { header: 'ms', align: 'right', min: 2 },
    { header: 'correlation', overflow: 'wrap', min: 11 },
  ];
  const body = rows.map((c) => [
    tableTime(c.requestedAt),
    c.subject ?? '',
    c.method ?? '',
    [c.upstream, c.target].filter(Boolean).join('/'),
    [c.decision, c.outcome ?? (c.recordType === 'call.request' ? 'pending' : undefined)]
      .filter(Boolean)
      .join(' '),
    durationMs(c),
    c.correlationId,
  ]);
  return `${renderTable(columns, body, width)}${rows.length} call(s)\n`;
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
    '                           [--session ID] [--text WORDS] [--limit 100] [--format table|json|jsonl] [--width N]\n                           [--config FILE]',
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
    ...OUTPUT_OPTIONS,
  },
  async run(ctx) {
    const format = outputFormat(ctx);
    const width = outputWidth(ctx);
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
      else ctx.stdout.write(callsTable(rows, width));
      return 0;
    });
  },
};
