import type { GrantStatus } from '@mcpgate/policy';
import { bool, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessListCommand: Command = {
  name: 'access list',
  summary: 'list pending and active just-in-time grants',
  help: [
    'Usage: mcpgate access list [--all] [--mine] [--config FILE] [--format table|json|jsonl]',
    '',
    'Shows pending and active grants (--all: also denied, revoked and expired ones). Grants whose time',
    'is up are marked expired in the store (and audited) as this runs.',
  ].join('\n'),
  options: {
    all: { type: 'boolean' },
    mine: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
  },
  run(ctx) {
    const format = outputFormat(ctx);
    return withPolicyServices(ctx, 'access list', async ({ grants, me }) => {
      await grants.sweepExpired();
      const statuses: GrantStatus[] | undefined = bool(ctx.values, 'all')
        ? undefined
        : ['pending', 'approved'];
      const rows = await grants.list({
        ...(bool(ctx.values, 'mine') ? { requester: me.subject } : {}),
        ...(statuses ? { statuses } : {}),
      });
      if (format !== 'table') ctx.stdout.write(structuredText(format, rows.map(grantJson)));
      else if (rows.length === 0) ctx.stderr.write('no grants\n');
      else for (const g of rows) ctx.stdout.write(`${grantLine(g)}\n`);
      return 0;
    });
  },
};
