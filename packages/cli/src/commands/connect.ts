import { homedir } from 'node:os';
import { defaultTokenStorePath, getAccessToken, normalizeGatewayUrl, TokenStore } from '@mcpgate/auth';
import { startStdioHttpBridge } from '@mcpgate/faces';
import { str, UsageError, type Command } from '../command.js';
import { createLogger } from '../runtime/logger.js';
import { onShutdownSignal } from '../runtime/signals.js';

/** Default per-message bound on the stdio side (the gateway enforces its own limit too). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const connectCommand: Command = {
  name: 'connect',
  summary: 'bridge a stdio-only MCP client (Claude Desktop) to a central gateway over HTTP',
  help: [
    'Usage: mcpgate connect URL [--api-key-env NAME] [--log-level LEVEL]',
    '',
    'Speaks MCP on stdin/stdout to the client that spawned it and relays every message verbatim to the',
    "gateway's Streamable HTTP endpoint URL (e.g. https://mcp.example.com/mcp): requests, progress,",
    "cancellation and the gateway's elicitation/sampling requests. Authenticates with the token cached",
    'by `mcpgate login URL` (refreshed before expiry, and once more after a 401), or with an API key',
    'read from the environment variable NAME (--api-key-env, for service accounts). Logs go to stderr.',
  ].join('\n'),
  options: {
    'api-key-env': { type: 'string' },
    'log-level': { type: 'string' },
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
    });
    logger.info({ url: url.href, auth: keyEnv ? 'api-key' : 'oauth' }, 'mcpgate connect relaying');
    const reason = await Promise.race([bridge.closed.then(() => 'closed'), onShutdownSignal()]);
    logger.info({ reason }, 'shutting down');
    await bridge.close();
    logger.flush();
    return 0;
  },
};
