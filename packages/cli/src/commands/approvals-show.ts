import { formatApproval } from '@mcpgate/approvals';
import { type Command } from '../command.js';
import { outputFormat } from '../runtime/table.js';
import { APPROVALS_OPTIONS, idArg, MODE_HELP, withApprovals, writeJson } from './approvals-common.js';

export const approvalsShowCommand: Command = {
  name: 'approvals show',
  summary: 'show one approval request: the call, its arguments, decisions so far',
  help: [
    'Usage: mcpgate approvals show ID [--url URL | --config FILE] [--format table|json|jsonl]',
    '',
    'Requesters can check their own requests this way (a deferred call names the command to run).',
    '',
    ...MODE_HELP,
  ].join('\n'),
  options: APPROVALS_OPTIONS,
  positionals: true,
  run(ctx) {
    const format = outputFormat(ctx);
    const id = idArg(ctx);
    return withApprovals(ctx, 'approvals show', async (b) => {
      const a = await b.show(id);
      if (format !== 'table') writeJson(ctx, format, a);
      else ctx.stdout.write(formatApproval(a));
      return 0;
    });
  },
};
