import { serveGatewayStdio } from '@mcpgate/faces';
import type { Command } from '../command.js';
import { createLogger, logStyle } from '../runtime/logger.js';
import { loadConfigForCommand, logConfigWarnings } from '../runtime/load-config.js';
import { composeRuntime } from '../runtime/compose.js';
import { onShutdownSignal } from '../runtime/signals.js';
import { watchConfig } from '../runtime/reload.js';
import { whileAlive } from '../runtime/keep-alive.js';
import { guardProcess } from '../runtime/defect-guard.js';
import { VERSION } from '../version.js';
import { startLocalConsole, type LocalConsole } from '../runtime/console-local.js';
import { localIdentity } from '@mcpgate/auth';
import type { GatewayConfig } from '@mcpgate/config';
import type { Identity } from '@mcpgate/core';

/** The OS user that spawned us, with the groups `policy.localGroups` gives that user. */
function stdioIdentity(config: GatewayConfig): Identity {
  const base = localIdentity();
  const groups = config.policy.localGroups[base.name ?? ''] ?? [];
  return { ...base, groups: [...groups] };
}

export const stdioCommand: Command = {
  name: 'stdio',
  summary: 'serve the gateway over stdio (for Claude Desktop, Claude Code, Cursor, VS Code)',
  help: [
    'Usage: mcpgate stdio [--config FILE]',
    '',
    'Speaks MCP on stdin/stdout to the client that spawned it (both protocol eras) and relays to the',
    'configured upstreams. Logs go to stderr (logging.format). Config: --config, then',
    '$MCPGATE_CONFIG, then ./mcpgate.yaml.',
    '',
    'When stdin ends, requests already received are still answered (for up to 30 s), then the gateway',
    'flushes its audit trail, ends its upstreams and exits 0.',
    '',
    'With console.listen (e.g. 127.0.0.1:0) it also serves the web console on that loopback address and',
    'prints a one-time sign-in link to stderr: approve held calls from the browser as yourself.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c' },
    'log-level': { type: 'string' },
  },
  async run(ctx) {
    const loaded = await loadConfigForCommand(ctx, { startsUpstreams: true });
    if (!loaded) return 1;
    const level = (ctx.values['log-level'] as string | undefined) ?? loaded.config.logging.level;
    const logger = createLogger(level, loaded.config.logging.format);
    logConfigWarnings(logger, loaded.path, loaded.warnings);
    let runtime;
    try {
      runtime = await composeRuntime(loaded.config, logger);
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'gateway failed to start');
      ctx.stderr.write(
        `mcpgate: gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      logger.flush();
      return 1;
    }
    const unguard = guardProcess(logger, (kind, err) => runtime.recordDefect(kind, err));
    const identity = stdioIdentity(loaded.config);
    let web: LocalConsole | undefined;
    try {
      web = await startLocalConsole(loaded.config, runtime, logger, identity);
    } catch (err) {
      const msg = `cannot serve the console on ${loaded.config.console.listen}: ${err instanceof Error ? err.message : String(err)}`;
      logger.error({ err: msg }, 'gateway failed to start');
      ctx.stderr.write(`mcpgate: ${msg}\n`);
      unguard();
      await runtime.close();
      logger.flush();
      return 1;
    }
    if (web) {
      // Printed once, for the person at this machine, whatever logging.level says; the link signs
      // in once. Where stderr carries JSON log lines, it is one too, so log pipelines still parse.
      const say = `mcpgate console: open ${web.url}`;
      ctx.stderr.write(
        logStyle(loaded.config.logging.format).pretty
          ? `${say}\n`
          : `${JSON.stringify({ time: new Date().toISOString(), msg: say, url: web.url })}\n`,
      );
    }
    const face = serveGatewayStdio({
      gateway: runtime.gateway,
      logger,
      name: 'mcpgate',
      version: VERSION,
      maxMessageBytes: loaded.config.limits.maxMessageBytes,
      maxJsonDepth: loaded.config.limits.maxJsonDepth,
      hooks: runtime.hooks,
      identity,
    });
    logger.info({ config: loaded.path, upstreams: runtime.gateway.pool.names() }, 'mcpgate stdio ready');
    if (process.stdin.isTTY) {
      // A person ran this in a terminal: tell them what they are looking at.
      ctx.stderr.write(
        'mcpgate is serving MCP on stdin/stdout and waiting for a client. Add it to your MCP client\n' +
          'with `mcpgate client add <claude-desktop|claude-code|cursor|vscode>`, or press Ctrl-C to stop.\n',
      );
    }
    const reloads = watchConfig(loaded.path, ctx.env, ctx.cwd, runtime, logger);
    const signal = await Promise.race([face.closed.then(() => 'stdin closed'), onShutdownSignal()]);
    logger.info({ reason: signal }, 'shutting down');
    reloads.stop();
    await whileAlive(async () => {
      await web?.close();
      await face.close();
      await runtime.close();
    });
    unguard();
    logger.info({}, 'stopped');
    logger.flush();
    return 0;
  },
};
