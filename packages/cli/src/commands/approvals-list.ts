import { APPROVAL_STATUSES, formatApprovalTable, type ApprovalStatus } from '@mcpgate/approvals';
import { bool, str, UsageError, type Command } from '../command.js';
import { outputFormat } from '../runtime/table.js';
import { APPROVALS_OPTIONS, MODE_HELP, withApprovals, writeJson } from './approvals-common.js';

export const approvalsListCommand: Command = {
  name: 'approvals list',
  summary: 'list approval requests (pending ones by default)',
  help: [
    'Usage: mcpgate approvals list [--status S1,S2 | --all] [--requester SUBJECT] [--upstream NAME]',
    '                              [--tool NAME] [--limit N] [--cursor C] [--url URL | --config FILE] [--format table|json|jsonl]',
    '',
    `Newest first. Statuses: ${APPROVAL_STATUSES.join(', ')}; default requested. --format json prints`,
    '{ items, nextCursor }; pass nextCursor to --cursor for the next page.',
    '',
    ...MODE_HELP,
  ].join('\n'),
  options: {
    ...APPROVALS_OPTIONS,
    status: { type: 'string' },
    all: { type: 'boolean' },
    requester: { type: 'string' },
    upstream: { type: 'string' },
    tool: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  },
  run(ctx) {
    const format = outputFormat(ctx);
    const statusText = str(ctx.values, 'status');
    if (statusText !== undefined && bool(ctx.values, 'all'))
      throw new UsageError('give --status or --all, not both');
    const status = bool(ctx.values, 'all')
      ? undefined
      : (statusText ?? 'requested').split(',').map((s) => s.trim());
    for (const s of status ?? [])
      if (!(APPROVAL_STATUSES as readonly string[]).includes(s))
        throw new UsageError(`unknown status "${s}" (one of ${APPROVAL_STATUSES.join(', ')})`);
    const limitText = str(ctx.values, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 200))
      throw new UsageError('--limit must be 1–200');
    return withApprovals(ctx, 'approvals list', async (b) => {
      const page = await b.list({
        ...(status ? { status: status as ApprovalStatus[] } : {}),
        ...(str(ctx.values, 'requester') !== undefined ? { requester: str(ctx.values, 'requester')! } : {}),
        ...(str(ctx.values, 'upstream') !== undefined ? { upstream: str(ctx.values, 'upstream')! } : {}),
        ...(str(ctx.values, 'tool') !== undefined ? { tool: str(ctx.values, 'tool')! } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(str(ctx.values, 'cursor') !== undefined ? { cursor: str(ctx.values, 'cursor')! } : {}),
      });
      if (format === 'json') writeJson(ctx, format, page);
      else if (format === 'jsonl') {
        // One approval per line; the cursor for the next page goes where people look.
        writeJson(ctx, format, page.items);
        if (page.nextCursor) ctx.stderr.write(`more: --cursor ${page.nextCursor}\n`);
      } else {
        ctx.stdout.write(formatApprovalTable(page.items));
        if (page.nextCursor) ctx.stderr.write(`more: --cursor ${page.nextCursor}\n`);
      }
      return 0;
    });
  },
};
