import { findConfigPath, formatIssue, loadConfig, type GatewayConfig } from '@mcpgate/config';
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
): Promise<{ path: string; config: GatewayConfig } | undefined> {
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
  for (const w of result.warnings) ctx.stderr.write(`warning: ${formatIssue(found.path, w)}\n`);
  return { path: found.path, config: result.config };
}
