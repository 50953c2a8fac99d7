import type { CallContext, JsonObject } from '@mcpgate/core';
import type { PolicyInput } from '../types.js';

const WITH_ARGUMENTS = new Set(['tools/call', 'prompts/get']);

/** The policy input for a routed call. */
export function inputFromCall(ctx: CallContext, now: Date): PolicyInput {
  const raw = WITH_ARGUMENTS.has(ctx.method) ? ctx.params?.arguments : undefined;
  const args =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as JsonObject) : undefined;
  return {
    identity: ctx.session.identity,
    method: ctx.method,
    target: ctx.target,
    ...(args ? { arguments: args } : {}),
    now,
  };
}
