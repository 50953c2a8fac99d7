import { bool, str, UsageError, type Command } from '../command.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessApproveCommand: Command = {
  name: 'access approve',
  summary: 'approve a pending just-in-time access request (reviewers only)',
  help: [
    'Usage: mcpgate access approve ID [--reason TEXT] [--config FILE] [--json]',
    '',
    "Only members of the governing rule's reviewer groups may approve, and never the requester. The",
    'grant is active from now for its duration. Local mode: you are the OS user (groups from',
    'policy.localGroups).',
  ].join('\n'),
  options: { reason: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
  positionals: true,
  run(ctx) {
    const id = ctx.positionals[0];
    if (!id || ctx.positionals.length > 1) throw new UsageError('give exactly one grant request ID');
    return withPolicyServices(ctx, 'access approve', async ({ grants, me }) => {
      const g = await grants.approve(me, id, str(ctx.values, 'reason'));
      ctx.stdout.write(
        bool(ctx.values, 'json') ? `${JSON.stringify(grantJson(g), null, 2)}\n` : `${grantLine(g)}\n`,
      );
      return 0;
    });
  },
};
