import { userInfo } from 'node:os';
import { openStore } from '@mcpgate/audit';
import { localIdentity } from '@mcpgate/auth';
import type { GatewayConfig } from '@mcpgate/config';
import { isGatewayError, silentLogger, type Identity } from '@mcpgate/core';
import {
  auditSinkFromRecorder,
  buildPolicyEngine,
  GrantService,
  pinningModeOf,
  SqlGrantStore,
  SqlPinStore,
  ToolPinning,
  type GrantRecord,
  type PolicyEngine,
} from '@mcpgate/policy';
import type { CommandContext } from '../command.js';
import { resolveSigningKey, startCommandRecorder, type CommandRecorder } from '../runtime/audit.js';
import { loadConfigForCommand } from '../runtime/load-config.js';
import { policyBuildOptions } from '../runtime/policy-secrets.js';

/** What the `access` and `tools` commands work with, in local mode. */
export interface PolicyServices {
  readonly config: GatewayConfig;
  readonly engine: PolicyEngine;
  /** Local mode: the OS user, with the groups `policy.localGroups` gives them. */
  readonly me: Identity;
  readonly grants: GrantService;
  readonly pins: ToolPinning;
}

/** The local-mode identity: subject `local:<user>` (as the gateway's local mode), groups from policy.localGroups. */
export function localPolicyIdentity(config: GatewayConfig, username = userInfo().username): Identity {
  const base = localIdentity(username);
  return { ...base, groups: [...(config.policy.localGroups[username] ?? [])] };
}

/**
 * Loads the config, compiles its policy, opens its store and an audit writer, runs `fn`, and
 * closes everything. Every change the commands make is recorded in the audit trail. Refusals
 * (GatewayError) are printed as `mcpgate <cmd>: <message>` with exit code 1.
 */
export async function withPolicyServices(
  ctx: CommandContext,
  command: string,
  fn: (s: PolicyServices) => Promise<number>,
): Promise<number> {
  const loaded = await loadConfigForCommand(ctx);
  if (!loaded) return 1;
  const { config } = loaded;
  const built = buildPolicyEngine(config.policy, policyBuildOptions());
  if (!built.ok) {
    ctx.stderr.write(`mcpgate ${command}: the policy in ${loaded.path} is invalid:\n`);
    for (const e of built.errors) ctx.stderr.write(`  ${e}\n`);
    return 1;
  }
  const engine = built.engine;
  const signingKey = resolveSigningKey(config, silentLogger);
  const store = await openStore(config.store, { baseDir: config.baseDir });
  let own: CommandRecorder | undefined;
  try {
    own = await startCommandRecorder(store, config, signingKey, silentLogger, {
      checkpointIntervalMs: config.audit.checkpointInterval,
    });
    const audit = auditSinkFromRecorder(own.recorder);
    const services: PolicyServices = {
      config,
      engine,
      me: localPolicyIdentity(config),
      grants: new GrantService({ store: new SqlGrantStore(store), engine: () => engine, audit }),
      pins: new ToolPinning({ store: new SqlPinStore(store), audit, mode: pinningModeOf(engine.config) }),
    };
    return await fn(services);
  } catch (err) {
    if (isGatewayError(err)) {
      ctx.stderr.write(`mcpgate ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await own?.close();
    await store.close();
  }
}

/** One JSON shape for a grant, shared with the HTTP admin API. */
export { grantJson } from '@mcpgate/policy';

export function grantLine(g: GrantRecord): string {
  const until = g.expiresAt ? ` until ${g.expiresAt.toISOString()}` : '';
  return `${g.id} ${g.status}${until}: ${g.requester} on ${g.upstream} tool ${g.tool} (rule ${g.rule}) — ${g.reason}`;
}
