import {
  CONTINUE,
  silentLogger,
  type CallContext,
  type Interceptor,
  type Logger,
  type UpstreamMessage,
  type UpstreamVerdict,
} from '@mcpgate/core';
import type { MaskingConfig } from './config.js';
import { Masker } from './masker.js';
import { MASKED_METHODS } from './mcp.js';
import type { MaskTarget } from './profile.js';
import { seal } from './seal.js';

export interface MaskingStepOptions {
  /** Debug lines with counts per detector (never values); default silent. */
  readonly logger?: Logger;
}

function targetOf(ctx: CallContext): MaskTarget | undefined {
  const t = ctx.target;
  if (t.upstream === undefined) return undefined; // answered by the gateway itself
  return { upstream: t.upstream, kind: t.kind, name: t.name, uri: t.uri };
}

/** The profile of an upstream-side message: its causing call's target, else the upstream alone. */
function upstreamTargetOf(msg: UpstreamMessage): MaskTarget {
  const t = msg.cause?.target;
  if (t?.upstream === msg.upstream) return { upstream: t.upstream, kind: t.kind, name: t.name, uri: t.uri };
  return { upstream: msg.upstream };
}

/**
 * The mask step on the upstream side: what an upstream sends toward the client (log data,
 * progress text, sampling messages for the client's model, elicitation text) is masked in place;
 * the client's answers travel to the upstream intact and leave a masked audit copy
 * (`notes.auditPayload`). A masking exception of the causing caller's group lets raw data through.
 */
function maskUpstreamMessage(masker: Masker, msg: UpstreamMessage): UpstreamVerdict {
  if (msg.refused || !msg.params || !msg.upstream) return CONTINUE;
  const target = upstreamTargetOf(msg);
  if (!masker.enabledFor(target)) return CONTINUE;
  const exception = msg.cause && masker.exceptionFor(msg.cause.session.identity, target);
  if (exception) {
    msg.notes.extra.maskingException = { rule: exception.rule, group: exception.group };
    return CONTINUE;
  }
  if (msg.kind === 'answer') {
    const { value, events, changed } = masker.maskAnswer(msg.params, target);
    if (changed) {
      msg.notes.masking.push(...events);
      msg.notes.auditPayload = value;
    }
    return CONTINUE;
  }
  const { value, events, changed } = masker.maskUpstream(msg.method, msg.params, target);
  if (!changed) return CONTINUE;
  msg.notes.masking.push(...events);
  return { kind: 'mutate', params: value };
}

function asMasker(config: MaskingConfig | Masker): Masker {
  return config instanceof Masker ? config : new Masker(config);
}

/**
 * The `mask` step. Place it *after* audit-ahead in the inner chain so that, response side (reverse
 * order), it runs before the audit step records the outcome: the client and the audit row both
 * get the masked result. Fail-closed (the default): if masking throws, the chain turns that into
 * a `step_failed` error and the unmasked payload is dropped.
 *
 * Upstream errors (`upstream_error`: the upstream's JSON-RPC error message and data) are masked
 * the same way, with event paths `error.message` / `error.data…`.
 *
 * Notes left on the call: `notes.masking` (events), `notes.extra.maskingException` ({rule, group})
 * when a group exception let the caller see raw data, `notes.extra.sealed` (SealedBlob of the raw
 * result) when sealing is on and something was masked.
 */
export function createMaskingStep(
  config: MaskingConfig | Masker,
  opts: MaskingStepOptions = {},
): Interceptor {
  const masker = asMasker(config);
  const log = opts.logger ?? silentLogger;
  return {
    name: 'mask',
    failMode: 'closed',
    onResponse(ctx, outcome) {
      if (!MASKED_METHODS.includes(ctx.method)) return CONTINUE;
      if (outcome.kind === 'error' && outcome.error.code !== 'upstream_error') return CONTINUE;
      const target = targetOf(ctx);
      if (!target || !masker.enabledFor(target)) return CONTINUE;
      const exception = masker.exceptionFor(ctx.session.identity, target);
      if (exception) {
        ctx.notes.extra.maskingException = { rule: exception.rule, group: exception.group };
        log.debug({ correlationId: ctx.correlationId, rule: exception.rule }, 'masking exception applied');
        return CONTINUE;
      }
      if (outcome.kind === 'error') {
        // The upstream's error text and data reach the client too.
        const { value, events, changed } = masker.maskError(outcome.error, target);
        if (!changed) return CONTINUE;
        ctx.notes.masking.push(...events);
        return { kind: 'mutate', outcome: { kind: 'error', error: value } };
      }
      const { value, events, changed } = masker.maskResult(ctx.method, outcome.result, target);
      if (!changed) return CONTINUE;
      ctx.notes.masking.push(...events);
      log.debug(
        { correlationId: ctx.correlationId, upstream: target.upstream, maskings: events.length },
        'masked',
      );
      const sealCfg = masker.config.seal;
      if (sealCfg.enabled && sealCfg.publicKey)
        ctx.notes.extra.sealed = seal({ result: outcome.result }, sealCfg.publicKey, ctx.correlationId);
      return { kind: 'mutate', outcome: { kind: 'result', result: value } };
    },
    onUpstream: (msg) => maskUpstreamMessage(masker, msg),
  };
}

/**
 * The `mask-args` step: masks the *audit copy* of `tools/call` / `prompts/get` arguments into
 * `notes.extra.auditArguments` (the forwarded params are never changed). Place it before
 * audit-ahead, which should record `notes.extra.auditArguments` instead of the params when set.
 * With sealing on, the raw arguments go to `notes.extra.sealedArguments`.
 */
export function createArgumentMaskingStep(config: MaskingConfig | Masker): Interceptor {
  const masker = asMasker(config);
  return {
    name: 'mask-args',
    failMode: 'closed',
    onRequest(ctx) {
      if (ctx.method !== 'tools/call' && ctx.method !== 'prompts/get') return CONTINUE;
      const target = targetOf(ctx);
      const args = ctx.params?.arguments;
      if (!target || args === undefined) return CONTINUE;
      if (masker.exceptionFor(ctx.session.identity, target)) return CONTINUE;
      const { value, events, changed } = masker.maskArguments(args, target);
      if (!changed) return CONTINUE;
      ctx.notes.masking.push(...events);
      ctx.notes.extra.auditArguments = value;
      const sealCfg = masker.config.seal;
      if (sealCfg.enabled && sealCfg.publicKey)
        ctx.notes.extra.sealedArguments = seal({ arguments: args }, sealCfg.publicKey, ctx.correlationId);
      return CONTINUE;
    },
  };
}
