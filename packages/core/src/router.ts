import type { CallContext, CallTarget, JsonObject } from './call.js';
import type { Catalog, CatalogKind } from './catalog.js';
import { GatewayError } from './errors.js';
import { MCP_METHODS, mcpMethod } from './methods.js';

/**
 * The router: namespaced names and resource URIs → upstream target, and back to the upstream's
 * own names before forwarding. Lists are answered by the gateway from its merged catalog.
 */
export const LIST_METHODS: Readonly<Record<string, { kind: CatalogKind; key: string }>> = Object.fromEntries(
  MCP_METHODS.filter((m) => m.list && !m.refused).map((m) => [m.method, m.list!]),
);

/** Resolves a namespaced request to its upstream target; unknown names are refused here. */
export function resolveTarget(
  catalog: Catalog,
  method: string,
  params: JsonObject | undefined,
  correlationId: string,
): CallTarget {
  switch (method) {
    case 'tools/call': {
      const name = stringParam(params, 'name', method, correlationId);
      const entry = catalog.tools.get(name);
      if (!entry) throw unknown('unknown_tool', `unknown tool "${name}"`, correlationId);
      const annotations = entry.original.annotations as Record<string, unknown> | undefined;
      return {
        kind: 'tool',
        upstream: entry.upstream,
        name: entry.name,
        exposedName: name,
        ...(annotations ? { annotations } : {}),
      };
    }
    case 'prompts/get': {
      const name = stringParam(params, 'name', method, correlationId);
      const entry = catalog.prompts.get(name);
      if (!entry) throw unknown('unknown_prompt', `unknown prompt "${name}"`, correlationId);
      return { kind: 'prompt', upstream: entry.upstream, name: entry.name, exposedName: name };
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      const uri = stringParam(params, 'uri', method, correlationId);
      const upstream = catalog.routeResource(uri);
      if (!upstream) throw unknown('unknown_resource', `no upstream serves resource "${uri}"`, correlationId);
      return { kind: 'resource', upstream, uri };
    }
    case 'completion/complete': {
      const ref = (params?.ref ?? {}) as JsonObject;
      if (ref.type === 'ref/prompt') {
        const name = typeof ref.name === 'string' ? ref.name : '';
        const entry = catalog.prompts.get(name);
        if (!entry) throw unknown('unknown_prompt', `unknown prompt "${name}"`, correlationId);
        return { kind: 'completion', upstream: entry.upstream, name: entry.name, exposedName: name };
      }
      if (ref.type === 'ref/resource') {
        const uri = typeof ref.uri === 'string' ? ref.uri : '';
        const upstream = catalog.routeResource(uri);
        if (!upstream)
          throw unknown('unknown_resource', `no upstream serves resource "${uri}"`, correlationId);
        return { kind: 'completion', upstream, uri };
      }
      throw new GatewayError(
        'invalid_params',
        'completion/complete needs ref.type ref/prompt or ref/resource',
        {
          correlationId,
        },
      );
    }
    default:
      if (mcpMethod(method)?.answeredBy === 'gateway') return { kind: 'gateway' };
      throw new GatewayError('method_not_found', `method "${method}" is not supported by the gateway`, {
        correlationId,
      });
  }
}

/** Rewrites namespaced names back to the upstream's own before forwarding. */
export function upstreamParams(ctx: CallContext): JsonObject | undefined {
  const { params, target, method } = ctx;
  if (!params) return params;
  if (mcpMethod(method)?.arguments && target.name) return { ...params, name: target.name };
  if (method === 'completion/complete' && target.name) {
    return { ...params, ref: { ...(params.ref as JsonObject), name: target.name } };
  }
  return params;
}

function stringParam(
  params: JsonObject | undefined,
  key: string,
  method: string,
  correlationId: string,
): string {
  const v = params?.[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw new GatewayError('invalid_params', `${method} needs a non-empty string "${key}"`, {
      correlationId,
    });
  }
  return v;
}

function unknown(
  code: 'unknown_tool' | 'unknown_prompt' | 'unknown_resource',
  msg: string,
  correlationId: string,
): GatewayError {
  return new GatewayError(code, msg, { correlationId });
}
