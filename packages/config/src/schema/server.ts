import { emptySection } from './common.js';

/**
 * `server`: reserved for its concern, which adds its keys here (plain JSON Schema, additionalProperties
 * false, a description on every key, defaults in the schema; use `duration()` / `filePath()` from
 * ./common.js so the loader normalizes them). Until then the section accepts no keys.
 */
export const serverSchema = emptySection(
  'The HTTP face (`mcpgate serve`): listen address, TLS, origins, proxies. Defined by the HTTP face.',
);

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export type ServerSection = Readonly<Record<string, never>>;
