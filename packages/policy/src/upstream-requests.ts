import type { CallTarget } from '@mcpgate/core';
import type { PolicyConfig } from './config.js';

/** Requests an upstream may start toward the client, and their `policy.upstreamRequests` key. */
export const UPSTREAM_REQUEST_KEYS = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
} as const satisfies Readonly<Record<string, keyof PolicyConfig['upstreamRequests']>>;

export type UpstreamRequestMethod = keyof typeof UPSTREAM_REQUEST_KEYS;

export const SERVER_REQUEST_METHODS: readonly UpstreamRequestMethod[] = Object.keys(
  UPSTREAM_REQUEST_KEYS,
) as UpstreamRequestMethod[];

export function isUpstreamRequest(method: string): method is UpstreamRequestMethod {
  return method in UPSTREAM_REQUEST_KEYS;
}

/**
 * The target an upstream-started request is judged on: the call that caused it (its upstream and
 * tool, so rules can say "tool X of upstream Y may sample"), or the upstream alone.
 */
export function upstreamRequestTarget(upstream: string, cause: CallTarget | undefined): CallTarget {
  if (cause?.upstream === upstream) return cause;
  return { kind: 'upstream', upstream };
}

/** Whether `uri` is one of `roots` or inside one (URI-prefix at a path boundary). */
export function withinRoots(uri: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    const base = root.endsWith('/') ? root.slice(0, -1) : root;
    return uri === base || uri.startsWith(`${base}/`);
  });
}
