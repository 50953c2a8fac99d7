import type { CallContext, CallIO, Identity, Interceptor, SessionInfo } from '@mcpgate/core';
import { CONTINUE, GatewayError, newCorrelationId, newNotes, reject } from '@mcpgate/core';

export const alice: Identity = { subject: 'os:alice', groups: ['dev', 'ops'], authMethod: 'local' };

export function session(id = `s_${Math.random().toString(36).slice(2, 10)}`, identity = alice): SessionInfo {
  return {
    id,
    face: 'stdio',
    era: 'legacy',
    identity,
    client: { name: 'test-client', version: '1.0.0' },
    protocolVersion: '2025-06-18',
    host: 'testhost',
    pid: 1234,
    osUser: 'alice',
    startedAt: new Date(),
  };
}

const io: CallIO = {
  progress: () => Promise.resolve(),
  request: () => Promise.reject(new Error('no client requests in tests')),
  clientCapabilities: undefined,
};

export function callCtx(
  s: SessionInfo,
  method: string,
  params: Record<string, unknown> | undefined,
): CallContext {
  return {
    correlationId: newCorrelationId(),
    session: s,
    method,
    params,
    target: { kind: 'gateway' },
    receivedAt: new Date(),
    signal: new AbortController().signal,
    io,
    notes: newNotes(),
  };
}

/** A stand-in for the core route step: resolves `<upstream>__<tool>` names. */
export const routeStep: Interceptor = {
  name: 'route',
  onRequest(ctx) {
    if (ctx.method === 'tools/list') {
      ctx.target = { kind: 'gateway' };
      return CONTINUE;
    }
    const name = typeof ctx.params?.name === 'string' ? ctx.params.name : '';
    const [upstream, tool] = name.split('__');
    ctx.target = { kind: 'tool', upstream: upstream!, name: tool!, exposedName: name };
    return CONTINUE;
  },
};

/** A policy stand-in that allows everything except tools named `rm*`. */
export const policyStep: Interceptor = {
  name: 'authorize',
  onRequest(ctx) {
    if (ctx.target.name?.startsWith('rm')) {
      ctx.notes.decision = { action: 'deny', rule: 'no-rm', reason: 'destructive' };
      return reject(new GatewayError('policy_denied', 'denied by rule no-rm: destructive'));
    }
    ctx.notes.decision = { action: 'allow', rule: 'default-allow' };
    return CONTINUE;
  },
};
