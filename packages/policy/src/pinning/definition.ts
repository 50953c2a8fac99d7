import { canonicalHash, type JsonObject } from '@mcpgate/core';

/** The parts of a tool definition a model reads or relies on: what pinning hashes. */
export const PINNED_FIELDS = ['name', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

export function pinnedDefinition(tool: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const f of PINNED_FIELDS) if (tool[f] !== undefined) out[f] = tool[f];
  return out;
}

const hashes = new WeakMap<object, string>();

/** Canonical hash of the pinned parts; cached per definition object (catalog entries are immutable). */
export function definitionHash(tool: JsonObject): string {
  let h = hashes.get(tool);
  if (h === undefined) {
    h = canonicalHash(pinnedDefinition(tool));
    hashes.set(tool, h);
  }
  return h;
}

export interface FieldChange {
  readonly field: (typeof PINNED_FIELDS)[number];
  readonly before: unknown;
  readonly after: unknown;
}

/** Which pinned fields differ between two definitions (for `mcpgate tools diff`). */
export function diffDefinitions(before: JsonObject | undefined, after: JsonObject): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of PINNED_FIELDS) {
    const a = before?.[field];
    const b = after[field];
    if (canonicalHash(a ?? null) !== canonicalHash(b ?? null)) out.push({ field, before: a, after: b });
  }
  return out;
}
