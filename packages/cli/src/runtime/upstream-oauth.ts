import { createServiceTokenSource } from '@mcpgate/auth';
import type { UpstreamSpec } from '@mcpgate/core';

/**
 * Gives every upstream with `oauth` settings its token source: the pool's transports then ask it
 * for the `Authorization` header of each request to that upstream (and to no other).
 */
export function withUpstreamOAuth(specs: readonly UpstreamSpec[]): UpstreamSpec[] {
  return specs.map((spec) => {
    if (!spec.oauth) return spec;
    const source = createServiceTokenSource(spec.name, spec.oauth);
    return { ...spec, authorize: () => source.headers() };
  });
}
