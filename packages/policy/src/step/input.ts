import { mcpMethod, type CallContext, type JsonObject } from '@mcpgate/core';
import type { PolicyInput } from '../types.js';

/** The policy input for a routed call. */
export function inputFromCall(ctx: CallContext, now: Date): PolicyInput {
  const raw = mcpMethod(ctx.method)?.arguments ? ctx.params?.arguments : undefined;
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
