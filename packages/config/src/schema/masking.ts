import { emptySection } from './common.js';

/**
 * `masking`: reserved for its concern, which adds its keys here (plain JSON Schema, additionalProperties
 * false, a description on every key, defaults in the schema; use `duration()` / `filePath()` from
 * ./common.js so the loader normalizes them). Until then the section accepts no keys.
 */
export const maskingSchema = emptySection(
  'Masking of secrets and personal data in results: detectors, field rules, strategies, sealing. Defined by the masking concern.',
);

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export type MaskingSection = Readonly<Record<string, never>>;
