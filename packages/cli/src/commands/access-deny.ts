import { bool, str, UsageError, type Command } from '../command.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessDenyCommand: Command = {
  name: 'access deny',
  summary: 'deny a pending just-in-time access request (reviewers only)',
  help: [
    'Usage: mcpgate access deny ID [--reason TEXT] [--config FILE] [--json]',
    '',
    "Only members of the governing rule's reviewer groups may deny, and never the requester.",
  ].join('\n'),
  options: { reason: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
  positionals: true,
  run(ctx) {
    const id = ctx.positionals[0];
    if (!id || ctx.positionals.length > 1) throw new UsageError('give exactly one grant request ID');
    return withPolicyServices(ctx, 'access deny', async ({ grants, me }) => {
      const g = await grants.deny(me, id, str(ctx.values, 'reason'));
      ctx.stdout.write(
        bool(ctx.values, 'json') ? `${JSON.stringify(grantJson(g), null, 2)}\n` : `${grantLine(g)}\n`,
      );
      return 0;
    });
  },
};
