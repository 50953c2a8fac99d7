import { revokeApiKey } from '@mcpgate/auth';
import { str, UsageError, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { keyJson, withKeyStore } from './keys-create.js';

export const keysRevokeCommand: Command = {
  name: 'keys revoke',
  summary: 'revoke an API key by id, or every live key of a name',
  help: [
    'Usage: mcpgate keys revoke (--id ID | --name NAME) [--config FILE] [--format table|json|jsonl]',
    '',
    'Running gateways on PostgreSQL drop the key at once (the revocation is announced on the',
    'database); in any case it stops working within auth.apiKeys.cacheMaxAge (default 5 s).',
    'Exits 1 when nothing matched.',
  ].join('\n'),
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
  },
  run(ctx) {
    const format = outputFormat(ctx);
    const id = str(ctx.values, 'id');
    const name = str(ctx.values, 'name');
    if ((id === undefined) === (name === undefined))
      throw new UsageError('give exactly one of --id or --name');
    return withKeyStore(ctx, async (store) => {
      const revoked = await revokeApiKey(store, id !== undefined ? { id } : { name: name! });
      if (format !== 'table') ctx.stdout.write(structuredText(format, revoked.map(keyJson)));
      else if (revoked.length === 0)
        ctx.stderr.write(`no live API key with ${id !== undefined ? `id ${id}` : `name ${name}`}\n`);
      else for (const k of revoked) ctx.stdout.write(`revoked ${k.id} (key:${k.name})\n`);
      return revoked.length > 0 ? 0 : 1;
    });
  },
};
