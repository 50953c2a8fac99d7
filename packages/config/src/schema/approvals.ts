import { emptySection } from './common.js';

/**
 * `approvals`: reserved for its concern, which adds its keys here (plain JSON Schema, additionalProperties
 * false, a description on every key, defaults in the schema; use `duration()` / `filePath()` from
 * ./common.js so the loader normalizes them). Until then the section accepts no keys.
 */
export const approvalsSchema = emptySection(
  'Human approval of high-risk calls: timeouts, notification webhooks. Defined by the approvals concern.',
);

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export type ApprovalsSection = Readonly<Record<string, never>>;
