import { bool, str, UsageError, type Command } from '../command.js';
import { APPROVALS_OPTIONS, idArg, MODE_HELP, withApprovals, writeJson } from './approvals-common.js';

export const approvalsDenyCommand: Command = {
  name: 'approvals deny',
  summary: 'deny a pending approval request, with a reason the requester sees',
  help: [
    'Usage: mcpgate approvals deny ID --reason TEXT [--url URL | --config FILE [--as-groups G1,G2]] [--json]',
    '',
    'One reviewer denying is enough. The waiting call is refused with your reason.',
    '',
    ...MODE_HELP,
  ].join('\n'),
  options: { ...APPROVALS_OPTIONS, reason: { type: 'string' } },
  positionals: true,
  run(ctx) {
    const id = idArg(ctx);
    const reason = str(ctx.values, 'reason');
    if (!reason?.trim()) throw new UsageError('--reason TEXT is required: the requester is told why');
    return withApprovals(ctx, 'approvals deny', async (b, who) => {
      const a = await b.decide(id, 'deny', reason);
      if (bool(ctx.values, 'json')) writeJson(ctx, a);
      else ctx.stdout.write(`denied ${String(a.id)} as ${who}: ${reason}\n`);
      return 0;
    });
  },
};
