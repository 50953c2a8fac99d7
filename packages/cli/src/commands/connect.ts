import { homedir } from 'node:os';
import { defaultTokenStorePath, getAccessToken, login, normalizeGatewayUrl, TokenStore } from '@mcpgate/auth';
import { startStdioHttpBridge, type ScopeChallenge } from '@mcpgate/faces';
import { str, UsageError, type Command } from '../command.js';
import { createLogger } from '../runtime/logger.js';
import { onShutdownSignal } from '../runtime/signals.js';
import { openBrowser } from '../runtime/browser.js';

/** Default per-message bound on the stdio side (the gateway enforces its own limit too). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const connectCommand: Command = {
  name: 'connect',
  summary: 'bridge a stdio-only MCP client (Claude Desktop) to a central gateway over HTTP',
  help: [
    'Usage: mcpgate connect URL [--api-key-env NAME] [--no-step-up] [--log-level LEVEL]',
    '',
    'Speaks MCP on stdin/stdout to the client that spawned it and relays every message verbatim to the',
    "gateway's Streamable HTTP endpoint URL (e.g. https://mcp.example.com/mcp): requests, progress,",
    "cancellation and the gateway's elicitation/sampling requests. Authenticates with the token cached",
    'by `mcpgate login URL` (refreshed before expiry, and once more after a 401), or with an API key',
    'read from the environment variable NAME (--api-key-env, for service accounts). When the gateway',
    'answers 403 insufficient_scope, the login is repeated in the browser for the scopes held plus the',
    'one asked for (step-up; the URL is printed on stderr) and the request is sent again; with',
    '--no-step-up the client gets an error naming the `mcpgate login --scope` to run. Logs go to stderr.',
  ].join('\n'),
  options: {
    'api-key-env': { type: 'string' },
    'log-level': { type: 'string' },
    'no-step-up': { type: 'boolean' },
  },
  positionals: true,
  async run(ctx) {
    const raw = ctx.positionals[0];
    if (!raw || ctx.positionals.length > 1) throw new UsageError('give exactly one gateway URL');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UsageError(`not a URL: ${raw}`);
    }
    const logger = createLogger(str(ctx.values, 'log-level') ?? 'warn');
    const keyEnv = str(ctx.values, 'api-key-env');
    let token: () => Promise<string | undefined>;
    let onUnauthorized: (() => Promise<void>) | undefined;
    let onInsufficientScope: ((c: ScopeChallenge) => Promise<boolean>) | undefined;
    if (keyEnv !== undefined) {
      const key = ctx.env[keyEnv];
      if (!key) {
        ctx.stderr.write(
          `mcpgate connect: environment variable ${keyEnv} (--api-key-env) is empty or unset\n`,
        );
        return 1;
      }
      token = () => Promise.resolve(key);
    } else {
      const store = new TokenStore(defaultTokenStorePath(ctx.env, homedir()));
      const gatewayUrl = normalizeGatewayUrl(url.href);
      let force = false;
      token = async () => {
        const t = await getAccessToken({ gatewayUrl, store, forceRefresh: force });
        force = false;
        return t;
      };
      // After a 401 the cached token is refreshed even if it still looks valid (revoked, rotated keys).
      onUnauthorized = () => {
        force = true;
        return Promise.resolve();
      };
      if (ctx.values['no-step-up'] !== true) {
        onInsufficientScope = (challenge) =>
          stepUp({ gatewayUrl, store, challenge, stderr: ctx.stderr }).then(() => {
            force = false;
            return true;
          });
      }
      try {
        await token();
      } catch (err) {
        ctx.stderr.write(`mcpgate connect: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    }
    const bridge = await startStdioHttpBridge({
      url,
      logger,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      token,
      ...(onUnauthorized && { onUnauthorized }),
      ...(onInsufficientScope && { onInsufficientScope }),
    });
    logger.info({ url: url.href, auth: keyEnv ? 'api-key' : 'oauth' }, 'mcpgate connect relaying');
    const reason = await Promise.race([bridge.closed.then(() => 'closed'), onShutdownSignal()]);
    logger.info({ reason }, 'shutting down');
    await bridge.close();
    logger.flush();
    return 0;
  },
};

/**
 * Step-up authorization (MCP authorization spec): log in again, with the same client, for the
 * scopes the current login holds plus the one the gateway asked for. The browser login is the only
 * kind a running bridge can start unattended, so the URL goes to stderr (where the host shows the
 * server's log) and to the browser.
 */
async function stepUp(options: {
  gatewayUrl: string;
  store: TokenStore;
  challenge: ScopeChallenge;
  stderr: NodeJS.WritableStream;
}): Promise<void> {
  const current = await options.store.get(options.gatewayUrl);
  const held = current?.scope?.split(' ').filter(Boolean) ?? [];
  const wanted = options.challenge.scope?.split(' ').filter(Boolean) ?? [];
  const scopes = [...new Set([...held, ...wanted])];
  if (current && wanted.every((s) => held.includes(s)) && wanted.length > 0) {
    throw new Error(`the gateway still asks for "${wanted.join(' ')}" although the login holds it`);
  }
  await login({
    gatewayUrl: options.gatewayUrl,
    store: options.store,
    flow: 'browser',
    ...(current && { clientId: current.clientId }),
    ...(current?.clientSecret !== undefined && { clientSecret: current.clientSecret }),
    scopes,
    challenge: {
      ...(options.challenge.scope !== undefined && { scope: scopes.join(' ') }),
      ...(options.challenge.resourceMetadataUrl !== undefined && {
        resourceMetadata: options.challenge.resourceMetadataUrl,
      }),
    },
    onAuthorizationUrl: (url) => {
      options.stderr.write(
        `mcpgate connect: the gateway needs the scope "${wanted.join(' ')}"; log in again:\n\n  ${url}\n\n`,
      );
      openBrowser(url);
    },
  });
}
