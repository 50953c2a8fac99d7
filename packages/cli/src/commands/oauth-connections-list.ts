import { str, type Command } from '../command.js';
import { outputFormat, structuredText } from '../runtime/table.js';
import { OAUTH_MODE_HELP, OAUTH_OPTIONS, oauthApi, type ConnectionJson } from './oauth-common.js';

export const oauthConnectionsListCommand: Command = {
  name: 'oauth connections list',
  summary: "list users' connections to per-user OAuth upstreams (never their tokens)",
  help: [
    'Usage: mcpgate oauth connections list --url URL [--user SUBJECT] [--upstream NAME] [--format table|json|jsonl]',
    '',
    'One line per connection: subject, upstream, scope, when the access token expires and when it',
    'was last refreshed. Tokens are never shown (the gateway never hands them out).',
    '',
    ...OAUTH_MODE_HELP,
  ].join('\n'),
  options: { ...OAUTH_OPTIONS, user: { type: 'string' }, upstream: { type: 'string' } },
  async run(ctx) {
    const format = outputFormat(ctx);
    const query = new URLSearchParams();
    const user = str(ctx.values, 'user');
    const upstream = str(ctx.values, 'upstream');
    if (user !== undefined) query.set('subject', user);
    if (upstream !== undefined) query.set('upstream', upstream);
    const q = query.toString();
    const body = await oauthApi(ctx, `/admin/oauth/connections${q ? `?${q}` : ''}`);
    const items = (body.items ?? []) as ConnectionJson[];
    if (format !== 'table') {
      ctx.stdout.write(structuredText(format, items));
      return 0;
    }
    if (items.length === 0) {
      ctx.stderr.write('no connections\n');
      return 0;
    }
    for (const c of items) {
      ctx.stdout.write(
        `${c.subject}  ${c.upstream}  scope=${c.scope ?? '-'}  expires=${c.expiresAt ?? '-'}  refreshed=${c.refreshedAt ?? 'never'}\n`,
      );
    }
    return 0;
  },
};
