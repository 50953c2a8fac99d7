import { bool, str, UsageError, type Command } from '../command.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessRevokeCommand: Command = {
  name: 'access revoke',
  summary: 'end a pending or active grant now (its requester or a reviewer)',
  help: [
    'Usage: mcpgate access revoke ID [--reason TEXT] [--config FILE] [--json]',
    '',
    'The requester may withdraw their own grant; a reviewer of the governing rule may revoke any.',
    'Takes effect for the next call on every gateway sharing the store.',
  ].join('\n'),
  options: { reason: { type: 'string' }, config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
  positionals: true,
  run(ctx) {
    const id = ctx.positionals[0];
    if (!id || ctx.positionals.length > 1) throw new UsageError('give exactly one grant ID');
    return withPolicyServices(ctx, 'access revoke', async ({ grants, me }) => {
      const g = await grants.revoke(me, id, str(ctx.values, 'reason'));
      ctx.stdout.write(
        bool(ctx.values, 'json') ? `${JSON.stringify(grantJson(g), null, 2)}\n` : `${grantLine(g)}\n`,
      );
      return 0;
    });
  },
};
