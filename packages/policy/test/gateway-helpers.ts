import {
  DEFAULT_NAMING,
  Gateway,
  silentLogger,
  type CallIO,
  type Decision,
  type Identity,
  type Interceptor,
  type JsonObject,
  type SessionInfo,
  type UpstreamSpec,
  type VisibilityFilter,
} from '@mcpgate/core';
import { mutableServerBin } from '@mcpgate/testkit';
import { createUpstreamPool } from '@mcpgate/upstream';

export function mutableSpec(name: string, env: Record<string, string> = {}): UpstreamSpec {
  return {
    name,
    prefix: name,
    transport: 'stdio',
    command: process.execPath,
    args: [mutableServerBin()],
    env,
    headers: {},
    sharing: 'shared',
    era: 'auto',
    requestTimeoutMs: 20_000,
    startTimeoutMs: 15_000,
    restart: { maxRestarts: 1, initialDelayMs: 100, maxDelayMs: 1000 },
    maxMessageBytes: 4 * 1024 * 1024,
  };
}

/** A real gateway over real upstream processes, with the given inner steps and visibility. */
export async function startGateway(
  specs: UpstreamSpec[],
  inner: Interceptor[],
  visibility?: VisibilityFilter,
): Promise<{ gateway: Gateway; decisions: Decision[]; capture: Interceptor }> {
  const decisions: Decision[] = [];
  // Records what authorize decided, on the way back (it sees refusals too).
  const capture: Interceptor = {
    name: 'capture',
    onResponse(ctx) {
      if (ctx.notes.decision) decisions.push(ctx.notes.decision);
      return { kind: 'continue' };
    },
  };
  const pool = createUpstreamPool({ specs, logger: silentLogger });
  const gateway = new Gateway({
    pool,
    steps: { outer: [capture], inner },
    naming: DEFAULT_NAMING,
    logger: silentLogger,
    ...(visibility ? { visibility } : {}),
  });
  await gateway.start();
  return { gateway, decisions, capture };
}

export function sessionFor(id: string, identity: Identity): SessionInfo {
  return { id, face: 'stdio', era: 'legacy', identity, startedAt: new Date() };
}

export function clientIO(
  capabilities: JsonObject | undefined,
  answer: (method: string, params: JsonObject | undefined) => JsonObject = () => ({}),
): CallIO & { asked: JsonObject[] } {
  const asked: JsonObject[] = [];
  return {
    asked,
    clientCapabilities: capabilities,
    progress: () => Promise.resolve(),
    request: (method, params) => {
      asked.push({ method, params });
      return Promise.resolve(answer(method, params));
    },
  };
}

export const peer = { notify: () => Promise.resolve() };

/** The error a call fails with (GatewaySession.handle rejects with a GatewayError). */
export async function failure(
  p: Promise<unknown>,
): Promise<{ code: string; message: string; data: unknown; rpc: JsonObject }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; message: string; data: unknown; toJsonRpc(): JsonObject };
    const rpc = e.toJsonRpc();
    return { code: e.code, message: e.message, data: e.data, rpc };
  }
  throw new Error('expected the call to fail');
}
