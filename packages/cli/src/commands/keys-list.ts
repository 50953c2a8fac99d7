import { listApiKeys } from '@mcpgate/auth';
import { bool, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { keyJson, withKeyStore } from './keys-create.js';

export const keysListCommand: Command = {
  name: 'keys list',
  summary: 'list API keys (never their secrets)',
  help: [
    'Usage: mcpgate keys list [--all] [--config FILE] [--format table|json|jsonl]',
    '',
    'Prints id, name, groups, creation, expiry and last use of every live key; --all includes revoked',
    'ones. Secrets are not stored, so they cannot be listed.',
  ].join('\n'),
  options: {
    all: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
  },
  run(ctx) {
    const format = outputFormat(ctx);
    return withKeyStore(ctx, async (store) => {
      const keys = await listApiKeys(store, { includeRevoked: bool(ctx.values, 'all') });
      if (format !== 'table') {
        ctx.stdout.write(structuredText(format, keys.map(keyJson)));
        return 0;
      }
      if (keys.length === 0) {
        ctx.stdout.write('no API keys\n');
        return 0;
      }
      const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');
      const rows = keys.map((k) => [
        k.id,
        k.name,
        k.groups.join(',') || '-',
        day(k.createdAt),
        day(k.expiresAt),
        day(k.lastUsedAt),
        k.revokedAt ? `revoked ${day(k.revokedAt)}` : 'active',
      ]);
      const head = ['ID', 'NAME', 'GROUPS', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows])
        ctx.stdout.write(
          `${r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        );
      return 0;
    });
  },
};
