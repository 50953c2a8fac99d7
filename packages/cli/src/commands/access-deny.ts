import { str, UsageError, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessDenyCommand: Command = {
  name: 'access deny',
  summary: 'deny a pending just-in-time access request (reviewers only)',
  help: [
    'Usage: mcpgate access deny ID [--reason TEXT] [--config FILE] [--format table|json|jsonl]',
    '',
    "Only members of the governing rule's reviewer groups may deny, and never the requester.",
  ].join('\n'),
  options: { reason: { type: 'string' }, config: { type: 'string', short: 'c' }, ...FORMAT_OPTIONS },
  positionals: true,
  run(ctx) {
    const format = outputFormat(ctx);
    const id = ctx.positionals[0];
    if (!id || ctx.positionals.length > 1) throw new UsageError('give exactly one grant request ID');
    return withPolicyServices(ctx, 'access deny', async ({ grants, me }) => {
      const g = await grants.deny(me, id, str(ctx.values, 'reason'));
      ctx.stdout.write(format !== 'table' ? structuredText(format, grantJson(g)) : `${grantLine(g)}\n`);
      return 0;
    });
  },
};
