import { maskingSchema, withSectionDefaults, type MaskingSection } from '@mcpgate/config';

// The section's type and defaults are written once, in the config package's schema source
// (packages/config/src/schema/masking.ts); these are the names the masking package works with.
export type MaskingConfig = MaskingSection;
export type MaskingRuleConfig = MaskingSection['rules'][number];
/** Settings that can be overridden per upstream / tool by a rule. */
export type MaskingProfileConfig = Omit<MaskingRuleConfig, 'upstream' | 'tools' | 'prompts' | 'resources'>;
export type DetectorSetting = NonNullable<MaskingSection['detectors']>[string];
/** Key names, compared case-insensitively with `_`, `-` and `.` ignored; a key matches if it ends with a name. */
export type KeyRulesConfig = NonNullable<MaskingSection['keys']>;
/** A JSON path rule (see docs/masking.md): `$.users[*].email`, `$..password`, `$.a.b[0]`. */
export type FieldRuleConfig = NonNullable<MaskingSection['fields']>[number];
/** A custom pattern; its regex must pass the safety check (docs/masking.md, "Custom patterns"). */
export type PatternConfig = NonNullable<MaskingSection['patterns']>[number];

/** Key names masked by default: the schema's default (one list, in the config section). */
export const DEFAULT_KEY_NAMES: readonly string[] = Object.freeze([
  ...maskingSchema.properties.keys.default.names,
]);

/** Fills the schema's defaults into a partial config (on a copy), as the config loader does. */
export function withDefaults(partial: Partial<MaskingConfig> | undefined): MaskingConfig {
  return withSectionDefaults('masking', partial);
}
