import { GatewayError, canonicalJson, type CallContext } from '@mcpgate/core';
import type { PolicyDecision } from '../types.js';

/** Arguments shown in the question are cut here: enough to recognize the call, not a dump. */
const MAX_SHOWN = 400;

function describeCall(ctx: CallContext): string {
  const name = ctx.target.exposedName ?? ctx.target.uri ?? ctx.target.name ?? ctx.method;
  let args = '';
  const raw = ctx.params?.arguments;
  if (raw !== undefined) {
    try {
      args = canonicalJson(raw);
    } catch {
      args = '(arguments not shown)';
    }
    if (args.length > MAX_SHOWN) args = `${args.slice(0, MAX_SHOWN)}…`;
  }
  return args ? `${ctx.method} ${name} with ${args}` : `${ctx.method} ${name}`;
}

/**
 * Asks the calling user (and only that user) through MCP elicitation. Refuses when the client did
 * not declare elicitation, or declines, cancels or fails to answer — never proceeds on silence.
 * Self-confirmation is not an approval: it is recorded as `notes.extra.confirmation`.
 */
export async function confirmWithCaller(ctx: CallContext, decision: PolicyDecision): Promise<void> {
  const rule = decision.rule ?? 'default';
  if (!ctx.io.clientCapabilities?.elicitation) {
    ctx.notes.extra.confirmation = { rule, asked: false, outcome: 'unsupported' };
    throw new GatewayError(
      'confirmation_refused',
      `policy rule "${rule}" requires you to confirm this call, but your client cannot be asked (it does not support MCP elicitation)`,
      { data: { rule } },
    );
  }
  const question = decision.message ?? 'Run this call?';
  const params = {
    message: `${question}\n\n${describeCall(ctx)}`,
    requestedSchema: {
      type: 'object',
      properties: { confirm: { type: 'boolean', title: 'Run this call', default: false } },
      required: ['confirm'],
    },
  };
  let answer: Record<string, unknown>;
  try {
    answer = await ctx.io.request('elicitation/create', params, ctx.signal);
  } catch (err) {
    ctx.notes.extra.confirmation = { rule, asked: true, outcome: 'failed' };
    throw new GatewayError(
      'confirmation_refused',
      `policy rule "${rule}" requires your confirmation, and asking failed: ${err instanceof Error ? err.message : String(err)}`,
      { data: { rule }, cause: err },
    );
  }
  const content = answer.content as Record<string, unknown> | undefined;
  const accepted = answer.action === 'accept' && content?.confirm === true;
  ctx.notes.extra.confirmation = {
    rule,
    asked: true,
    outcome: accepted ? 'confirmed' : typeof answer.action === 'string' ? answer.action : 'unknown',
  };
  if (!accepted) {
    throw new GatewayError(
      'confirmation_refused',
      `you did not confirm this call (policy rule "${rule}"), so it was not run`,
      { data: { rule, action: answer.action } },
    );
  }
}
