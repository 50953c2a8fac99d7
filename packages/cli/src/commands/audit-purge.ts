import { purgeAudit } from '@mcpgate/audit';
import { bool, str, UsageError, type Command } from '../command.js';
import { CONFIG_OPTION, operator, withAudit } from './audit-common.js';

export const auditPurgeCommand: Command = {
  name: 'audit purge',
  summary: 'remove whole, checkpointed audit segments older than audit.retention',
  help: [
    'Usage: mcpgate audit purge [--before DATE] [--config FILE]',
    '',
    'Per chain, deletes the records up to the newest signed checkpoint older than the cutoff',
    '(now − audit.retention, or --before), and leaves that checkpoint as a signed anchor so the rest',
    'still verifies. Needs a database role with DELETE on events and checkpoints (see docs/audit.md);',
    'each purge is recorded in the audit trail.',
  ].join('\n'),
  options: { ...CONFIG_OPTION, before: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  async run(ctx) {
    const beforeRaw = str(ctx.values, 'before');
    return withAudit(ctx, 'audit purge', async ({ config, store, recorder }) => {
      let before: Date;
      if (beforeRaw) {
        before = new Date(beforeRaw);
        if (Number.isNaN(before.getTime()))
          throw new UsageError(`--before takes an ISO date, got "${beforeRaw}"`);
      } else if (config.audit.retention !== undefined) {
        before = new Date(Date.now() - config.audit.retention);
      } else {
        ctx.stderr.write(
          'mcpgate audit purge: audit.retention is not set (keep forever); set it or pass --before\n',
        );
        return 1;
      }
      if (config.audit.retention !== undefined && before.getTime() > Date.now() - config.audit.retention) {
        ctx.stderr.write('mcpgate audit purge: --before is inside the configured retention; refusing\n');
        return 1;
      }
      if (bool(ctx.values, 'dry-run')) {
        ctx.stdout.write(`would purge checkpointed segments older than ${before.toISOString()}\n`);
        return 0;
      }
      const results = await purgeAudit(store, recorder, { before, by: operator().subject });
      for (const r of results)
        ctx.stdout.write(
          `chain ${r.chain}: purged ${r.eventsDeleted} record(s) through seq ${r.throughSeq}\n`,
        );
      ctx.stdout.write(results.length === 0 ? 'nothing to purge\n' : `purged ${results.length} segment(s)\n`);
      return 0;
    });
  },
};
