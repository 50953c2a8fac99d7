import type { GrantStatus } from '@mcpgate/policy';
import { bool, type Command } from '../command.js';
import { grantJson, grantLine, withPolicyServices } from './access-common.js';

export const accessListCommand: Command = {
  name: 'access list',
  summary: 'list pending and active just-in-time grants',
  help: [
    'Usage: mcpgate access list [--all] [--mine] [--config FILE] [--json]',
    '',
    'Shows pending and active grants (--all: also denied, revoked and expired ones). Grants whose time',
    'is up are marked expired in the store (and audited) as this runs.',
  ].join('\n'),
  options: {
    all: { type: 'boolean' },
    mine: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
    json: { type: 'boolean' },
  },
  run(ctx) {
    return withPolicyServices(ctx, 'access list', async ({ grants, me }) => {
      await grants.sweepExpired();
      const statuses: GrantStatus[] | undefined = bool(ctx.values, 'all')
        ? undefined
        : ['pending', 'approved'];
      const rows = await grants.list({
        ...(bool(ctx.values, 'mine') ? { requester: me.subject } : {}),
        ...(statuses ? { statuses } : {}),
      });
      if (bool(ctx.values, 'json')) ctx.stdout.write(`${JSON.stringify(rows.map(grantJson), null, 2)}\n`);
      else if (rows.length === 0) ctx.stderr.write('no grants\n');
      else for (const g of rows) ctx.stdout.write(`${grantLine(g)}\n`);
      return 0;
    });
  },
};
