import { EMPTY_CATALOG, type CatalogKind, type JsonObject, type UpstreamCatalog } from '@mcpgate/core';
import type { McpUpstreamConnection } from './connection.js';

const SOURCES: Readonly<Record<CatalogKind, { method: string; key: string; capability: string }>> = {
  tools: { method: 'tools/list', key: 'tools', capability: 'tools' },
  prompts: { method: 'prompts/list', key: 'prompts', capability: 'prompts' },
  resources: { method: 'resources/list', key: 'resources', capability: 'resources' },
  resourceTemplates: {
    method: 'resources/templates/list',
    key: 'resourceTemplates',
    capability: 'resources',
  },
};

/**
 * Fetches the given kinds, every page, asking only for what the upstream declared (a server without
 * `prompts` gets no `prompts/list`). Items are kept exactly as the upstream sent them.
 */
export async function fetchKinds(
  conn: McpUpstreamConnection,
  kinds: readonly CatalogKind[],
  signal: AbortSignal,
): Promise<Partial<Record<CatalogKind, readonly JsonObject[]>>> {
  const caps = conn.capabilities() ?? {};
  const entries = await Promise.all(
    kinds.map(async (kind) => {
      const src = SOURCES[kind];
      if (caps[src.capability] === undefined) return [kind, [] as JsonObject[]] as const;
      return [kind, await conn.listAll(src.method, src.key, signal)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export async function fetchCatalog(
  conn: McpUpstreamConnection,
  signal: AbortSignal,
): Promise<UpstreamCatalog> {
  const fresh = await fetchKinds(conn, ['tools', 'prompts', 'resources', 'resourceTemplates'], signal);
  return Object.freeze({ ...EMPTY_CATALOG, ...fresh });
}
