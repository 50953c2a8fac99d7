import { homedir } from 'node:os';
import { defaultTokenStorePath, login, TokenStore } from '@mcpgate/auth';
import { bool, str, UsageError, type Command } from '../command.js';
import { openBrowser } from '../runtime/browser.js';

export const loginCommand: Command = {
  name: 'login',
  summary: "log in to a central gateway with your organisation's identity provider",
  help: [
    'Usage: mcpgate login URL [--device] [--client-id ID [--client-secret-env NAME]]',
    '                         [--client-metadata-url URL] [--scope SCOPE] [--no-browser] [--port N]',
    '',
    "Discovers the gateway's identity provider from URL's protected-resource metadata (RFC 9728),",
    'then logs in with authorization code + PKCE on a loopback redirect (a browser opens; the URL is',
    'also printed), or with --device using the device authorization grant for machines without a',
    'browser. Tokens are cached in $XDG_CONFIG_HOME/mcpgate/tokens.json (else',
    '~/.config/mcpgate/tokens.json), mode 0600, and refreshed before they expire by `mcpgate connect`.',
    '--client-id names the client registered for mcpgate at the IdP (default: $MCPGATE_CLIENT_ID); for a',
    'confidential one, --client-secret-env names the environment variable holding its secret. Without',
    'a client id, --client-metadata-url (default: $MCPGATE_CLIENT_METADATA_URL) is used as the client id',
    'where the IdP supports client ID metadata documents, else mcpgate registers itself dynamically.',
    'The scope asked for is the one the gateway names in its 401 answer, else its listed scopes, plus',
    '--scope. --port fixes the loopback port.',
  ].join('\n'),
  options: {
    device: { type: 'boolean' },
    'client-id': { type: 'string' },
    'client-secret-env': { type: 'string' },
    'client-metadata-url': { type: 'string' },
    scope: { type: 'string', multiple: true },
    'no-browser': { type: 'boolean' },
    port: { type: 'string' },
  },
  positionals: true,
  async run({ values, positionals, stdout, stderr, env }) {
    const url = positionals[0];
    if (!url || positionals.length > 1) throw new UsageError('give exactly one gateway URL');
    const portText = str(values, 'port');
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
      throw new UsageError('--port must be 1–65535');
    const scopes = Array.isArray(values.scope)
      ? values.scope.filter((s): s is string => typeof s === 'string')
      : [];
    const clientId = str(values, 'client-id') ?? (env.MCPGATE_CLIENT_ID || undefined);
    const secretEnv = str(values, 'client-secret-env');
    if (secretEnv !== undefined && clientId === undefined)
      throw new UsageError('--client-secret-env needs --client-id (the client the secret belongs to)');
    const clientSecret = secretEnv === undefined ? undefined : env[secretEnv];
    if (secretEnv !== undefined && !clientSecret)
      throw new UsageError(`environment variable ${secretEnv} (--client-secret-env) is empty or unset`);
    const clientMetadataUrl =
      str(values, 'client-metadata-url') ?? (env.MCPGATE_CLIENT_METADATA_URL || undefined);
    if (clientMetadataUrl !== undefined && !/^https:\/\/[^/]+\/./.test(clientMetadataUrl))
      throw new UsageError(
        '--client-metadata-url must be an https URL with a path (RFC client ID metadata documents)',
      );
    const store = new TokenStore(defaultTokenStorePath(env, homedir()));
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const stored = await login({
        gatewayUrl: url,
        store,
        flow: bool(values, 'device') ? 'device' : 'browser',
        ...(clientId !== undefined && { clientId }),
        ...(clientSecret !== undefined && { clientSecret }),
        ...(clientMetadataUrl !== undefined && { clientMetadataUrl }),
        scopes,
        ...(port !== undefined && { port }),
        signal: controller.signal,
        onAuthorizationUrl: (authUrl) => {
          stderr.write(`Open this URL in a browser to log in:\n\n  ${authUrl}\n\n`);
          if (!bool(values, 'no-browser')) openBrowser(authUrl);
        },
        onDeviceCode: (d) => {
          stderr.write(
            `To log in, visit ${d.verificationUri} and enter the code ${d.userCode}\n` +
              (d.verificationUriComplete ? `(or open ${d.verificationUriComplete})\n` : '') +
              `The code expires in ${Math.round(d.expiresInSeconds / 60)} minutes. Waiting…\n`,
          );
        },
      });
      const until = stored.expiresAt ? new Date(stored.expiresAt).toISOString() : 'unknown';
      stdout.write(
        `logged in to ${stored.gateway} via ${stored.issuer} (access token valid until ${until}${stored.refreshToken ? ', refreshable' : ''})\n`,
      );
      return 0;
    } catch (err) {
      stderr.write(`mcpgate login: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
