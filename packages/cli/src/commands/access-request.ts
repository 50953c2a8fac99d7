import { formatDuration, requireDuration } from '@mcpgate/config';
import { str, UsageError, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { grantJson, withPolicyServices } from './access-common.js';

export const accessRequestCommand: Command = {
  name: 'access request',
  summary: 'request just-in-time access to an upstream (or some of its tools) for a while',
  help: [
    'Usage: mcpgate access request --upstream NAME [--tool GLOB] --duration 30m --reason TEXT [--config FILE] [--format table|json|jsonl]',
    '',
    'Asks for a grant under the require_grant rule that covers you on that upstream. A reviewer from',
    "the rule's reviewer groups decides with `mcpgate access approve|deny ID`; the grant starts at",
    "approval and ends on its own after the duration (capped by the rule's maxDuration). Local mode:",
    'you are the OS user (subject local:<user>, groups from policy.localGroups). Every step is audited.',
  ].join('\n'),
  options: {
    upstream: { type: 'string' },
    tool: { type: 'string' },
    duration: { type: 'string' },
    reason: { type: 'string' },
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
  },
  run(ctx) {
    const format = outputFormat(ctx);
    const upstream = str(ctx.values, 'upstream');
    const duration = str(ctx.values, 'duration');
    const reason = str(ctx.values, 'reason');
    if (!upstream) throw new UsageError('--upstream is required');
    if (!duration) throw new UsageError('--duration is required (e.g. 30m, 2h)');
    if (!reason) throw new UsageError('--reason is required');
    const tool = str(ctx.values, 'tool');
    return withPolicyServices(ctx, 'access request', async ({ grants, me, engine }) => {
      const g = await grants.request(me, {
        upstream,
        ...(tool !== undefined ? { tool } : {}),
        durationMs: requireDuration(duration),
        reason,
      });
      if (format !== 'table') {
        ctx.stdout.write(structuredText(format, grantJson(g)));
        return 0;
      }
      const reviewers = engine.rule(g.rule)?.grant?.reviewers.join(', ') ?? '';
      ctx.stdout.write(`${g.id}\n`);
      ctx.stderr.write(
        `requested ${g.id}: ${g.upstream} tool ${g.tool} for ${formatDuration(g.durationMs)}` +
          `${g.durationMs < g.requestedMs ? ` (capped from ${formatDuration(g.requestedMs)} by rule ${g.rule})` : ''}.\n` +
          `A reviewer (${reviewers}) approves it with: mcpgate access approve ${g.id}\n`,
      );
      return 0;
    });
  },
};
