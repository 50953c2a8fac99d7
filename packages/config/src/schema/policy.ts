import { emptySection } from './common.js';

/**
 * `policy`: reserved for its concern, which adds its keys here (plain JSON Schema, additionalProperties
 * false, a description on every key, defaults in the schema; use `duration()` / `filePath()` from
 * ./common.js so the loader normalizes them). Until then the section accepts no keys.
 */
export const policySchema = emptySection(
  'Who may call what: rules, default action, grants, pinning, rate limits. Defined by the policy concern.',
);

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export type PolicySection = Readonly<Record<string, never>>;
