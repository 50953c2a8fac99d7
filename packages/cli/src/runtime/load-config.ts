import {
  findConfigPath,
  formatIssue,
  loadConfig,
  type ConfigIssue,
  type GatewayConfig,
} from '@mcpgate/config';
import type { Logger } from '@mcpgate/core';
import { str, type CommandContext } from '../command.js';
import { CONFIG_CHECKS, SERVING_CHECKS } from './config-checks.js';

/**
 * Finds and loads the config the way every command does; prints every issue and returns undefined
 * on failure. Only the commands that start upstreams (`stdio`, `serve`) pass
 * `startsUpstreams: true`: every other command leaves the upstreams' secret references unresolved,
 * so an operator's shell needs none of those secrets.
 */
export async function loadConfigForCommand(
  ctx: CommandContext,
  opts: { startsUpstreams?: boolean } = {},
): Promise<{ path: string; config: GatewayConfig; warnings: readonly ConfigIssue[] } | undefined> {
  const found = findConfigPath({ flag: str(ctx.values, 'config'), env: ctx.env, cwd: ctx.cwd });
  if (!found.ok) {
    ctx.stderr.write(`mcpgate: ${found.message}\n`);
    return undefined;
  }
  const result = await loadConfig({
    path: found.path,
    env: ctx.env,
    cwd: ctx.cwd,
    checks: opts.startsUpstreams === true ? SERVING_CHECKS : CONFIG_CHECKS,
    resolveUpstreamSecrets: opts.startsUpstreams === true,
  });
  if (!result.ok) {
    ctx.stderr.write(`mcpgate: ${found.path} has ${result.errors.length} error(s):\n`);
    for (const issue of result.errors) ctx.stderr.write(`${formatIssue(found.path, issue)}\n`);
    return undefined;
  }
  // A serving command logs its warnings once its logger exists (JSON when piped, like every line).
  if (opts.startsUpstreams !== true) {
    for (const w of result.warnings) ctx.stderr.write(`warning: ${formatIssue(found.path, w)}\n`);
  }
  return { path: found.path, config: result.config, warnings: result.warnings };
}

/** Logs config warnings through the gateway's logger: one warn line each, with where. */
export function logConfigWarnings(logger: Logger, file: string, warnings: readonly ConfigIssue[]): void {
  for (const w of warnings) {
    logger.warn({ config: file, line: w.line, path: w.path }, w.message);
  }
}
