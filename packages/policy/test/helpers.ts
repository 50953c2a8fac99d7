import type { CallTarget, Identity, JsonObject } from '@mcpgate/core';
import { buildPolicyEngine, type BuildOptions } from '../src/build.js';
import type { PolicyEngine } from '../src/engine.js';
import type { PolicyInput } from '../src/types.js';

export function engineOf(raw: unknown, opts: BuildOptions = {}): PolicyEngine {
  const built = buildPolicyEngine(raw, opts);
  if (!built.ok) throw new Error(`policy did not build:\n${built.errors.join('\n')}`);
  return built.engine;
}

export function identity(subject: string, groups: string[] = [], extra: Partial<Identity> = {}): Identity {
  return { subject, groups, authMethod: 'oidc', ...extra };
}

export function toolCall(
  who: Identity,
  upstream: string,
  name: string,
  args?: JsonObject,
  extra: { annotations?: Record<string, unknown>; now?: Date } = {},
): PolicyInput {
  const target: CallTarget = {
    kind: 'tool',
    upstream,
    name,
    exposedName: `${upstream}__${name}`,
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
  return {
    identity: who,
    method: 'tools/call',
    target,
    ...(args ? { arguments: args } : {}),
    now: extra.now ?? new Date('2026-11-24T10:00:00Z'),
  };
}
