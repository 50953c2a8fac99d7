import { emptySection } from './common.js';

/**
 * `auth`: reserved for its concern, which adds its keys here (plain JSON Schema, additionalProperties
 * false, a description on every key, defaults in the schema; use `duration()` / `filePath()` from
 * ./common.js so the loader normalizes them). Until then the section accepts no keys.
 */
export const authSchema = emptySection(
  'Identity for the HTTP face: OIDC / OAuth resource server, token introspection, API keys. Defined by the auth concern.',
);

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export type AuthSection = Readonly<Record<string, never>>;
