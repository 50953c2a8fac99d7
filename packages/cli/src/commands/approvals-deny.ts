import { str, UsageError, type Command } from '../command.js';
import { outputFormat } from '../runtime/table.js';
import { APPROVALS_OPTIONS, idArg, MODE_HELP, withApprovals, writeJson } from './approvals-common.js';

export const approvalsDenyCommand: Command = {
  name: 'approvals deny',
  summary: 'deny a pending approval request, with a reason the requester sees',
  help: [
    'Usage: mcpgate approvals deny ID --reason TEXT [--url URL | --config FILE [--as-groups G1,G2]] [--format table|json|jsonl]',
    '',
    'One reviewer denying is enough. The waiting call is refused with your reason.',
    '',
    ...MODE_HELP,
  ].join('\n'),
  options: { ...APPROVALS_OPTIONS, reason: { type: 'string' } },
  positionals: true,
  run(ctx) {
    const format = outputFormat(ctx);
    const id = idArg(ctx);
    const reason = str(ctx.values, 'reason');
    if (!reason?.trim()) throw new UsageError('--reason TEXT is required: the requester is told why');
    return withApprovals(ctx, 'approvals deny', async (b, who) => {
      const a = await b.decide(id, 'deny', reason);
      if (format !== 'table') writeJson(ctx, format, a);
      else ctx.stdout.write(`denied ${String(a.id)} as ${who}: ${reason}\n`);
      return 0;
    });
  },
};
