import { renderTimeline, sessionEvents } from '@mcpgate/audit';
import { str, UsageError, type Command } from '../command.js';
import { outputWidth } from '../runtime/table.js';
import { CONFIG_OPTION, operator, withAudit } from './audit-common.js';

export const auditReplayCommand: Command = {
  name: 'audit replay',
  summary: 'show one session as a timeline: requests, responses, denials, maskings, approvals, timings',
  help: [
    'Usage: mcpgate audit replay <session id> [--width N] [--format text|jsonl]',
    '                            [--config FILE]',
    '',
    'Lines fit the terminal (80 columns when output is not one, --width N to',
    'choose): long events wrap under the time column, long values are clipped.',
    'Find session ids with "mcpgate audit sessions". The replay itself is',
    'recorded in the audit trail.',
  ].join('\n'),
  options: { ...CONFIG_OPTION, width: { type: 'string' }, format: { type: 'string' } },
  positionals: true,
  async run(ctx) {
    const [sessionId, ...extra] = ctx.positionals;
    if (!sessionId || extra.length > 0) throw new UsageError('give exactly one session id');
    const format = str(ctx.values, 'format') ?? 'text';
    if (format !== 'text' && format !== 'jsonl') throw new UsageError('--format is text or jsonl');
    const columns = outputWidth(ctx);
    return withAudit(ctx, 'audit replay', async ({ store, recorder }) => {
      await recorder.recordRead(operator(), 'replay', { session: sessionId });
      const events = await sessionEvents(store, sessionId);
      if (events.length === 0) {
        ctx.stderr.write(`mcpgate audit replay: no events recorded for session "${sessionId}"\n`);
        return 1;
      }
      if (format === 'jsonl')
        for (const e of events)
          ctx.stdout.write(`${JSON.stringify({ ...e, body: JSON.parse(e.body) as unknown })}\n`);
      else
        ctx.stdout.write(
          renderTimeline(events, { columns, color: (ctx.stdout as NodeJS.WriteStream).isTTY === true }),
        );
      return 0;
    });
  },
};
