import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { defaultTokenStorePath, login, TokenStore } from '@mcpgate/auth';
import { bool, str, UsageError, type Command } from '../command.js';

/** Best effort: the URL is always printed too, so a failure to open a browser is not fatal. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this machine: the printed URL is enough.
  }
}

export const loginCommand: Command = {
  name: 'login',
  summary: "log in to a central gateway with your organisation's identity provider",
  help: [
    'Usage: mcpgate login URL [--device] [--client-id ID] [--scope SCOPE] [--no-browser] [--port N]',
    '',
    "Discovers the gateway's identity provider from URL's protected-resource metadata (RFC 9728),",
    'then logs in with authorization code + PKCE on a loopback redirect (a browser opens; the URL is',
    'also printed), or with --device using the device authorization grant for machines without a',
    'browser. Tokens are cached in $XDG_CONFIG_HOME/mcpgate/tokens.json (else',
    '~/.config/mcpgate/tokens.json), mode 0600, and refreshed before they expire by `mcpgate connect`.',
    '--client-id names the public client registered for mcpgate at the IdP (default: $MCPGATE_CLIENT_ID,',
    'else dynamic registration when the IdP allows it). --port fixes the loopback port.',
  ].join('\n'),
  options: {
    device: { type: 'boolean' },
    'client-id': { type: 'string' },
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
