import { homedir } from 'node:os';
import { defaultTokenStorePath, logout, TokenStore } from '@mcpgate/auth';
import { UsageError, type Command } from '../command.js';

export const logoutCommand: Command = {
  name: 'logout',
  summary: 'forget (and revoke) the cached login for a gateway',
  help: [
    'Usage: mcpgate logout URL',
    '',
    'Revokes the cached refresh token at the identity provider when it offers revocation (best',
    'effort), then deletes the entry from the token cache. Exits 0 also when there was nothing to',
    'forget.',
  ].join('\n'),
  options: {},
  positionals: true,
  async run({ positionals, stdout, env }) {
    const url = positionals[0];
    if (!url || positionals.length > 1) throw new UsageError('give exactly one gateway URL');
    const store = new TokenStore(defaultTokenStorePath(env, homedir()));
    const { removed, revoked } = await logout({ gatewayUrl: url, store });
    stdout.write(
      removed
        ? `logged out of ${url}${revoked ? ' (token revoked at the identity provider)' : ' (tokens deleted locally; the identity provider was not told)'}\n`
        : `not logged in to ${url}\n`,
    );
    return 0;
  },
};
