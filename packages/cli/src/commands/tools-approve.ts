import { bool, UsageError, type Command } from '../command.js';
import { withPolicyServices } from './access-common.js';

export const toolsApproveCommand: Command = {
  name: 'tools approve',
  summary: 'accept the current definition of a changed or new upstream tool (tool pinning)',
  help: [
    'Usage: mcpgate tools approve UPSTREAM TOOL [--config FILE]',
    '       mcpgate tools approve UPSTREAM --all [--config FILE]',
    '',
    'Pins the definition last seen by the gateway (check it first with `mcpgate tools diff`). Running',
    'gateways sharing the store show and allow the tool again at once. Audited as pin.approved with',
    'the OS user (local:<user>) as the actor.',
  ].join('\n'),
  options: { all: { type: 'boolean' }, config: { type: 'string', short: 'c' } },
  positionals: true,
  run(ctx) {
    const [upstream, tool, extra] = ctx.positionals;
    const all = bool(ctx.values, 'all');
    if (!upstream || extra !== undefined || (all ? tool !== undefined : tool === undefined)) {
      throw new UsageError('give UPSTREAM and TOOL, or UPSTREAM and --all');
    }
    return withPolicyServices(ctx, 'tools approve', async ({ pins, me }) => {
      const done = await pins.approve(upstream, all ? '*' : tool!, me.subject);
      if (done.length === 0) {
        ctx.stderr.write(
          `mcpgate tools approve: nothing to approve for ${upstream}${all ? '' : ` ${tool}`} (already pinned, or never seen)\n`,
        );
        return 1;
      }
      for (const t of done) ctx.stdout.write(`approved ${upstream} ${t}\n`);
      return 0;
    });
  },
};
