import { GatewayError, type Identity, type JsonObject, type MaskingEvent } from '@mcpgate/core';
import { withDefaults, type MaskingConfig } from './config.js';
import { anyGlob } from './glob.js';
import { maskString, maskValue } from './mask-value.js';
import { maskArguments, maskResult } from './mcp.js';
import { maskAnswer, maskUpstreamParams } from './upstream.js';
import { compileProfile, validateMaskingConfig, type CompiledProfile, type MaskTarget } from './profile.js';

export interface MaskingException {
  readonly rule: string;
  readonly group: string;
}

export interface MaskOutcome<T> {
  readonly value: T;
  readonly events: MaskingEvent[];
  readonly changed: boolean;
}

/**
 * Masks MCP payloads per config. Profiles are compiled once per (upstream, kind, name) and cached;
 * a Masker is immutable, so a config reload builds a new one.
 */
export class Masker {
  readonly config: MaskingConfig;
  private readonly cache = new Map<string, CompiledProfile>();

  constructor(config: Partial<MaskingConfig> | MaskingConfig) {
    this.config = withDefaults(config);
    validateMaskingConfig(this.config);
  }

  profile(target: MaskTarget): CompiledProfile {
    const key = JSON.stringify([target.upstream, target.kind ?? '', target.name ?? '', target.uri ?? '']);
    let p = this.cache.get(key);
    if (!p) {
      p = compileProfile(this.config, target);
      if (this.cache.size > 10_000) this.cache.clear(); // resource URIs are unbounded
      this.cache.set(key, p);
    }
    return p;
  }

  /** Whether anything would be masked for this target (false: the raw response is recorded as is). */
  enabledFor(target: MaskTarget): boolean {
    return this.profile(target).enabled;
  }

  /** The first exception (config order) that lets this caller see raw data for this target. */
  exceptionFor(identity: Pick<Identity, 'groups'>, target: MaskTarget): MaskingException | undefined {
    for (const e of this.config.exceptions) {
      if (!anyGlob(e.upstreams, target.upstream)) continue;
      if (e.tools && !anyGlob(e.tools, target.name)) continue;
      const group = identity.groups.find((g) => e.groups.includes(g));
      if (group !== undefined) return { rule: e.id, group };
    }
    return undefined;
  }

  /** Masks a result of `method` (tools/call, resources/read, prompts/get; others pass untouched). */
  maskResult(method: string, result: JsonObject, target: MaskTarget): MaskOutcome<JsonObject> {
    const profile = this.profile(target);
    const events: MaskingEvent[] = [];
    if (!profile.enabled) return { value: result, events, changed: false };
    const value = maskResult(method, result, profile, events);
    return { value, events, changed: value !== result };
  }

  /**
   * An upstream's own error (JSON-RPC error message and data) can quote the data it failed on:
   * mask it like a result. Returns a new GatewayError without the original `cause` (which holds
   * the raw text), or the same error when nothing matched.
   */
  maskError(error: GatewayError, target: MaskTarget): MaskOutcome<GatewayError> {
    const profile = this.profile(target);
    const events: MaskingEvent[] = [];
    if (!profile.enabled) return { value: error, events, changed: false };
    const message = maskString(error.message, { doc: 'error.message', loc: [] }, profile, events);
    const data =
      error.data === undefined
        ? undefined
        : maskValue(error.data, { doc: 'error.data', loc: [] }, profile, events);
    if (message === error.message && data === error.data) return { value: error, events, changed: false };
    const masked = new GatewayError(error.code, message, {
      correlationId: error.correlationId,
      data: data as Readonly<Record<string, unknown>> | undefined,
    });
    return { value: masked, events, changed: true };
  }

  /** A message an upstream started, masked toward the client (see `maskUpstreamParams`). */
  maskUpstream(method: string, params: JsonObject, target: MaskTarget): MaskOutcome<JsonObject> {
    const profile = this.profile(target);
    const events: MaskingEvent[] = [];
    if (!profile.enabled) return { value: params, events, changed: false };
    const value = maskUpstreamParams(method, params, profile, events);
    return { value, events, changed: value !== params };
  }

  /** The audit copy of a client's answer to an upstream's ask. */
  maskAnswer(answer: JsonObject, target: MaskTarget): MaskOutcome<JsonObject> {
    const profile = this.profile(target);
    const events: MaskingEvent[] = [];
    if (!profile.enabled) return { value: answer, events, changed: false };
    const value = maskAnswer(answer, profile, events);
    return { value, events, changed: value !== answer };
  }

  /** A masked copy of request arguments for the audit record, when `arguments` is on for the target. */
  maskArguments(args: unknown, target: MaskTarget): MaskOutcome<unknown> {
    const profile = this.profile(target);
    const events: MaskingEvent[] = [];
    if (!profile.enabled || !profile.arguments) return { value: args, events, changed: false };
    const value = maskArguments(args, profile, events);
    return { value, events, changed: value !== args };
  }
}
