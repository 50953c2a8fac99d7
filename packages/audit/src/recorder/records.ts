import type { CallContext, Identity, JsonObject, Outcome, SessionInfo } from '@mcpgate/core';
import type { EventInput } from '../chain/event.js';
import { capPayload } from './payload.js';

/** Event types written by the recorder; docs/audit.md describes each body. */
export const EVENT_TYPES = {
  writerStarted: 'writer.started',
  writerStopped: 'writer.stopped',
  writerRecovered: 'writer.recovered',
  sessionStarted: 'session.started',
  sessionEnded: 'session.ended',
  callRequest: 'call.request',
  callResponse: 'call.response',
  callRefused: 'call.refused',
  callGateway: 'call.gateway',
  callUnknown: 'call.unknown',
  notification: 'notification',
  serverRequest: 'server.request',
  auditRead: 'audit.read',
  auditPurge: 'audit.purge',
  gatewayDefect: 'gateway.defect',
  securityAuthFailed: 'security.auth_failed',
  securitySessionHijack: 'security.session_hijack',
  oauthConnected: 'oauth.connected',
  oauthRefreshed: 'oauth.refreshed',
  oauthRefreshFailed: 'oauth.refresh_failed',
  oauthRevoked: 'oauth.revoked',
} as const;

export const OUTCOME_UNKNOWN_REASON = 'outcome unknown (gateway stopped)';

/** Who, as recorded on every call event: what was proven, never a credential. */
export function identityRecord(id: Identity): JsonObject {
  return {
    subject: id.subject,
    name: id.name,
    email: id.email,
    groups: [...id.groups],
    authMethod: id.authMethod,
    keyName: id.keyName,
    tokenId: id.tokenId,
    issuer: id.issuer,
  };
}

export function sessionRecord(info: SessionInfo): EventInput {
  return {
    type: EVENT_TYPES.sessionStarted,
    sessionId: info.id,
    subject: info.identity.subject,
    groups: info.identity.groups,
    ts: new Date(),
    body: {
      face: info.face,
      era: info.era,
      identity: identityRecord(info.identity),
      client: info.client ? { name: info.client.name, version: info.client.version } : undefined,
      protocolVersion: info.protocolVersion,
      sourceIp: info.sourceIp,
      userAgent: info.userAgent,
      host: info.host,
      pid: info.pid,
      osUser: info.osUser,
      startedAt: info.startedAt.toISOString(),
    },
  };
}

function targetName(ctx: CallContext): string | undefined {
  return ctx.target.name ?? ctx.target.uri ?? toolNameFromParams(ctx);
}

/** Before routing (unknown tool…), the name the client asked for is all there is. */
function toolNameFromParams(ctx: CallContext): string | undefined {
  const p = ctx.params;
  if (!p) return undefined;
  if (typeof p.name === 'string') return p.name;
  if (typeof p.uri === 'string') return p.uri;
  return undefined;
}

function common(ctx: CallContext, type: string): Omit<EventInput, 'body'> {
  const id = ctx.session.identity;
  return {
    type,
    sessionId: ctx.session.id,
    correlationId: ctx.correlationId,
    subject: id.subject,
    groups: id.groups,
    method: ctx.method,
    upstream: ctx.target.upstream,
    target: targetName(ctx),
    ts: new Date(),
  };
}

/**
 * The params as they go on the record: forwarded as they are, except that the masking step may
 * leave a masked copy of the arguments for the record (`masking.arguments`) — the upstream still
 * received the originals.
 */
function recordedParams(ctx: CallContext): JsonObject | undefined {
  const masked = ctx.notes.extra.auditArguments;
  const answers = ctx.notes.extra.auditInputResponses;
  if ((masked === undefined && answers === undefined) || !ctx.params) return ctx.params;
  return {
    ...ctx.params,
    ...(masked !== undefined ? { arguments: masked } : {}),
    // A modern client's answers to an upstream's asks: masked like arguments (the upstream gets them).
    ...(answers !== undefined ? { inputResponses: answers } : {}),
  };
}

function requestBody(ctx: CallContext, capBytes: number): JsonObject {
  return {
    method: ctx.method,
    target: {
      kind: ctx.target.kind,
      upstream: ctx.target.upstream,
      name: ctx.target.name,
      exposedName: ctx.target.exposedName,
      uri: ctx.target.uri,
    },
    params: capPayload(recordedParams(ctx), capBytes),
    era: ctx.session.era,
    face: ctx.session.face,
    protocolVersion: ctx.session.protocolVersion,
    identity: identityRecord(ctx.session.identity),
    decision: ctx.notes.decision,
    approvalId: ctx.notes.approvalId,
    receivedAt: ctx.receivedAt.toISOString(),
  };
}

/** The write-ahead record: what is about to be forwarded, and on whose authority. */
export function requestRecord(ctx: CallContext, capBytes: number): EventInput {
  return {
    ...common(ctx, EVENT_TYPES.callRequest),
    decision: ctx.notes.decision?.action ?? 'allow',
    body: requestBody(ctx, capBytes),
  };
}

export function outcomeLabel(outcome: Outcome): string {
  if (outcome.kind === 'error') return outcome.error.code;
  return outcome.result.isError === true ? 'tool_error' : 'ok';
}

function outcomeBody(ctx: CallContext, outcome: Outcome, capBytes: number): JsonObject {
  const now = new Date();
  const timings = {
    receivedAt: ctx.receivedAt.toISOString(),
    forwardedAt: ctx.notes.forwardedAt?.toISOString(),
    respondedAt: now.toISOString(),
    totalMs: now.getTime() - ctx.receivedAt.getTime(),
    upstreamMs: ctx.notes.forwardedAt ? now.getTime() - ctx.notes.forwardedAt.getTime() : undefined,
  };
  const base = {
    // Copies of the lists as they are now (the record is encoded later, in its batch, and steps
    // still finishing would add to them); their entries are not changed once added.
    masking: ctx.notes.masking.slice(),
    steps: ctx.notes.steps.slice(),
    timings,
    approvalId: ctx.notes.approvalId,
    extra: Object.keys(ctx.notes.extra).length > 0 ? ctx.notes.extra : undefined,
  };
  if (outcome.kind === 'error') {
    const e = outcome.error;
    return {
      ...base,
      kind: 'error',
      error: { code: e.code, jsonrpcCode: e.jsonrpcCode, message: e.message, data: e.data },
    };
  }
  return {
    ...base,
    kind: 'result',
    isError: outcome.result.isError === true,
    result: capPayload(outcome.result, capBytes),
  };
}

/** The response as returned to the client (after masking), linked to its request by correlation id. */
export function responseRecord(ctx: CallContext, outcome: Outcome, capBytes: number): EventInput {
  return {
    ...common(ctx, EVENT_TYPES.callResponse),
    decision: ctx.notes.decision?.action ?? 'allow',
    outcome: outcomeLabel(outcome),
    body: outcomeBody(ctx, outcome, capBytes),
  };
}

/** A call that never reached audit-ahead (denied, unknown tool, audit down…): request and refusal in one event. */
export function refusalRecord(ctx: CallContext, outcome: Outcome, capBytes: number): EventInput {
  const decision =
    ctx.notes.decision?.action ??
    (outcome.kind === 'error' && outcome.error.code === 'policy_denied' ? 'deny' : undefined);
  return {
    ...common(ctx, EVENT_TYPES.callRefused),
    decision,
    outcome: outcomeLabel(outcome),
    body: { request: requestBody(ctx, capBytes), response: outcomeBody(ctx, outcome, capBytes) },
  };
}

/** Methods the gateway answers itself (lists, setLevel): compact, no payloads. */
export function gatewayRecord(ctx: CallContext, outcome: Outcome): EventInput {
  const counts: Record<string, number> = {};
  if (outcome.kind === 'result')
    for (const [k, v] of Object.entries(outcome.result)) if (Array.isArray(v)) counts[k] = v.length;
  return {
    ...common(ctx, EVENT_TYPES.callGateway),
    decision: ctx.notes.decision?.action,
    outcome: outcomeLabel(outcome),
    body: {
      method: ctx.method,
      counts,
      cursor: typeof ctx.params?.cursor === 'string' ? ctx.params.cursor : undefined,
      level: ctx.method === 'logging/setLevel' ? ctx.params?.level : undefined,
      error:
        outcome.kind === 'error' ? { code: outcome.error.code, message: outcome.error.message } : undefined,
      totalMs: Date.now() - ctx.receivedAt.getTime(),
    },
  };
}

/**
 * Stand-in for a call record that could not be built (its payload cannot be encoded): the call's
 * identifying columns and the reason, so the trail still shows the call and why its payload is
 * missing. Only strings go in, so it always encodes.
 */
export function unrecordableCall(ctx: CallContext, type: string, why: string, outcome?: Outcome): EventInput {
  return {
    ...common(ctx, type),
    decision: ctx.notes.decision?.action,
    ...(outcome && { outcome: outcomeLabel(outcome) }),
    body: { unrecordable: why },
  };
}

/** Stand-in for an already-built event whose encoding failed: its columns, and the reason. */
export function unrecordable(input: EventInput, why: string): EventInput {
  const { body: _dropped, ...columns } = input;
  return { ...columns, body: { unrecordable: why } };
}
