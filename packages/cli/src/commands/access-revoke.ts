import { str, UsageError, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessRevokeCommand: Command = {
  name: 'access revoke',
  summary: 'end a pending or active grant now (its requester or a reviewer)',
  help: [
    'Usage: mcpgate access revoke ID [--reason TEXT] [--config FILE] [--format table|json|jsonl]',
    '',
    'The requester may withdraw their own grant; a reviewer of the governing rule may revoke any.',
    'Takes effect for the next call on every gateway sharing the store.',
  ].join('\n'),
  options: { reason: { type: 'string' }, config: { type: 'string', short: 'c' }, ...FORMAT_OPTIONS },
  positionals: true,
  run(ctx) {
    const format = outputFormat(ctx);
    const id = ctx.positionals[0];
    if (!id || ctx.positionals.length > 1) throw new UsageError('give exactly one grant ID');
    return withPolicyServices(ctx, 'access revoke', async ({ grants, me }) => {
      const g = await grants.revoke(me, id, str(ctx.values, 'reason'));
      ctx.stdout.write(format !== 'table' ? structuredText(format, grantJson(g)) : `${grantLine(g)}\n`);
      return 0;
    });
  },
};
