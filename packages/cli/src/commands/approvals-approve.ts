import { str, type Command } from '../command.js';
import { outputFormat } from '../runtime/table.js';
import { APPROVALS_OPTIONS, idArg, MODE_HELP, withApprovals, writeJson } from './approvals-common.js';

export const approvalsApproveCommand: Command = {
  name: 'approvals approve',
  summary: 'approve a pending approval request (as a reviewer)',
  help: [
    'Usage: mcpgate approvals approve ID [--reason TEXT] [--url URL | --config FILE [--as-groups G1,G2]] [--format table|json|jsonl]',
    '',
    "You must be in one of the request's reviewer groups and may not approve your own request",
    '(unless its rule allows it). A request needing N approvals is approved by N distinct people.',
    '',
    ...MODE_HELP,
  ].join('\n'),
  options: { ...APPROVALS_OPTIONS, reason: { type: 'string' } },
  positionals: true,
  run(ctx) {
    const format = outputFormat(ctx);
    const id = idArg(ctx);
    const reason = str(ctx.values, 'reason');
    return withApprovals(ctx, 'approvals approve', async (b, who) => {
      const a = await b.decide(id, 'approve', reason);
      if (format !== 'table') writeJson(ctx, format, a);
      else
        ctx.stdout.write(
          a.status === 'approved'
            ? `approved ${String(a.id)} as ${who}: the call may run now\n`
            : `recorded your approval of ${String(a.id)} as ${who}: ${String(a.approvals)} of ${String(a.required)} approvals\n`,
        );
      return 0;
    });
  },
};
