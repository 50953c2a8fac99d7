import type { PinDiff } from '@mcpgate/policy';
import { type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { withPolicyServices } from './access-common.js';

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value, null, 2);
}

function render(d: PinDiff): string {
  const head = `${d.upstream} ${d.tool}: ${d.status === 'new' ? 'new tool, never approved' : 'changed since approval'} (pinning: ${d.mode}, seen ${d.seenAt.toISOString()})`;
  const body = d.changes.map(
    (c) =>
      `  ${c.field}:\n    - approved: ${show(c.before).replace(/\n/g, '\n      ')}\n    + now:      ${show(c.after).replace(/\n/g, '\n      ')}`,
  );
  return [head, ...body].join('\n');
}

export const toolsDiffCommand: Command = {
  name: 'tools diff',
  summary: 'show upstream tool definitions that changed since they were approved (tool pinning)',
  help: [
    'Usage: mcpgate tools diff [UPSTREAM] [--config FILE] [--format table|json|jsonl]',
    '',
    'Lists every tool whose current definition (name, description, input/output schema, annotations)',
    'differs from the approved one, or that is new, with the fields that changed. Under',
    '`pinning: block` these are hidden and refused until `mcpgate tools approve`. Exit code 3 when',
    'anything differs (for scripts), 0 when everything is pinned.',
  ].join('\n'),
  options: { config: { type: 'string', short: 'c' }, ...FORMAT_OPTIONS },
  positionals: true,
  run(ctx) {
    const format = outputFormat(ctx);
    return withPolicyServices(ctx, 'tools diff', async ({ pins }) => {
      const diffs = await pins.diff(ctx.positionals[0]);
      if (format !== 'table') ctx.stdout.write(structuredText(format, diffs));
      else if (diffs.length === 0) ctx.stderr.write('every observed tool matches its approved definition\n');
      else ctx.stdout.write(`${diffs.map(render).join('\n\n')}\n`);
      return diffs.length === 0 ? 0 : 3;
    });
  },
};
