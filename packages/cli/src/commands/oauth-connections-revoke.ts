import { str, UsageError, type Command } from '../command.js';
import { outputFormat, structuredText } from '../runtime/table.js';
import { OAUTH_MODE_HELP, OAUTH_OPTIONS, oauthApi } from './oauth-common.js';

export const oauthConnectionsRevokeCommand: Command = {
  name: 'oauth connections revoke',
  summary: "revoke a user's connection to a per-user OAuth upstream (their next call asks again)",
  help: [
    'Usage: mcpgate oauth connections revoke --url URL --upstream NAME [--user SUBJECT] [--format table|json|jsonl]',
    '',
    "Forgets the connection (default: your own), revokes its refresh token at the upstream's",
    "authorization server where it offers revocation, closes the user's upstream connection and",
    'records oauth.revoked. Exits 1 when there was no such connection.',
    '',
    ...OAUTH_MODE_HELP,
  ].join('\n'),
  options: { ...OAUTH_OPTIONS, user: { type: 'string' }, upstream: { type: 'string' } },
  async run(ctx) {
    const format = outputFormat(ctx);
    const upstream = str(ctx.values, 'upstream');
    if (upstream === undefined) throw new UsageError('give --upstream NAME');
    const user = str(ctx.values, 'user');
    const body = await oauthApi(ctx, '/admin/oauth/connections/revoke', {
      upstream,
      ...(user !== undefined && { subject: user }),
    }).catch((err: unknown) => {
      ctx.stderr.write(
        `mcpgate oauth connections revoke: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      return undefined;
    });
    if (!body) return 1;
    const revoked = body.revoked as { subject: string; upstream: string };
    if (format !== 'table') ctx.stdout.write(structuredText(format, [revoked]));
    else ctx.stdout.write(`revoked the connection of ${revoked.subject} to ${revoked.upstream}\n`);
    return 0;
  },
};
