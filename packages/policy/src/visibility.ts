import type { CallTarget, CatalogEntry, CatalogKind, SessionInfo, VisibilityFilter } from '@mcpgate/core';
import type { PolicyEngine } from './engine.js';

/** The call target a catalog entry stands for (what a call to it would resolve to). */
export function targetOfEntry(kind: CatalogKind, entry: CatalogEntry): CallTarget {
  if (kind === 'resources' || kind === 'resourceTemplates') {
    return { kind: 'resource', upstream: entry.upstream, uri: entry.name };
  }
  const annotations = entry.original.annotations;
  return {
    kind: kind === 'tools' ? 'tool' : 'prompt',
    upstream: entry.upstream,
    name: entry.name,
    exposedName: entry.exposedName,
    ...(annotations !== null && typeof annotations === 'object'
      ? { annotations: annotations as Record<string, unknown> }
      : {}),
  };
}

/** Hidden means hidden: an entry this identity could never call is absent from its lists. */
export function createPolicyVisibility(engine: PolicyEngine): VisibilityFilter {
  return {
    visible(session: SessionInfo, kind: CatalogKind, entry: CatalogEntry): boolean {
      return !engine.isHidden(session.identity, kind, targetOfEntry(kind, entry));
    },
  };
}

/** Visible only when every filter says so (policy and pinning). */
export function combineVisibility(...filters: readonly (VisibilityFilter | undefined)[]): VisibilityFilter {
  const present = filters.filter((f): f is VisibilityFilter => f !== undefined);
  return {
    visible: (session, kind, entry) => present.every((f) => f.visible(session, kind, entry)),
  };
}
