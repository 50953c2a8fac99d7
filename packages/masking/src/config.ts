import { maskingSchema } from '@mcpgate/config';
import type { StrategyName } from './strategies.js';

export interface DetectorSetting {
  readonly enabled?: boolean;
  readonly strategy?: StrategyName;
}

export interface FieldRuleConfig {
  /** JSON path (see docs/masking.md): `$.users[*].email`, `$..password`, `$.a.b[0]`. */
  readonly path: string;
  /** Event id suffix (`field:<id>`); defaults to the path. */
  readonly id?: string;
  readonly strategy?: StrategyName;
}

export interface KeyRulesConfig {
  /** Key names, compared case-insensitively with `_`, `-` and `.` ignored; a key matches if it ends with a name. */
  readonly names: readonly string[];
  readonly strategy?: StrategyName;
}

export interface PatternConfig {
  readonly id: string;
  /** A JavaScript regex source; must pass the safety check (docs/masking.md, "Custom patterns"). */
  readonly regex: string;
  readonly flags?: string;
  readonly strategy?: StrategyName;
}

/** Settings that can be overridden per upstream / tool by a rule. */
export interface MaskingProfileConfig {
  readonly enabled?: boolean;
  readonly strategy?: StrategyName;
  readonly detectors?: Readonly<Record<string, DetectorSetting>>;
  readonly keys?: KeyRulesConfig;
  readonly fields?: readonly FieldRuleConfig[];
  readonly patterns?: readonly PatternConfig[];
  /** Mask the audit copy of request arguments (the upstream always receives them intact). */
  readonly arguments?: boolean;
}

export interface MaskingRuleConfig extends MaskingProfileConfig {
  /** Upstream name glob; default every upstream. */
  readonly upstream?: string;
  readonly tools?: readonly string[];
  readonly prompts?: readonly string[];
  readonly resources?: readonly string[];
}

export interface MaskingExceptionConfig {
  readonly id: string;
  /** Caller groups (Identity.groups) for whom nothing is masked. */
  readonly groups: readonly string[];
  readonly upstreams?: readonly string[];
  readonly tools?: readonly string[];
}

export interface SealConfig {
  readonly enabled: boolean;
  /** X25519 public key, PEM (SPKI); its private half must not live on the gateway. */
  readonly publicKey?: string;
}

export interface MaskingConfig extends MaskingProfileConfig {
  readonly enabled: boolean;
  readonly strategy: StrategyName;
  /** HMAC-SHA256 key for the `hash` strategy, normally a `${env:…}` / `${file:…}` reference. */
  readonly hashKey?: string;
  readonly hashLength: number;
  readonly partialKeep: number;
  readonly rules: readonly MaskingRuleConfig[];
  readonly exceptions: readonly MaskingExceptionConfig[];
  readonly seal: SealConfig;
}

/** Key names masked by default: the schema's default (one list, in the config section). */
export const DEFAULT_KEY_NAMES: readonly string[] = Object.freeze([
  ...maskingSchema.properties.keys.default.names,
]);

export const DEFAULT_MASKING_CONFIG: MaskingConfig = Object.freeze({
  enabled: true,
  strategy: 'redact',
  hashLength: 16,
  partialKeep: 4,
  keys: { names: DEFAULT_KEY_NAMES },
  fields: [],
  patterns: [],
  detectors: {},
  arguments: false,
  rules: [],
  exceptions: [],
  seal: { enabled: false },
});

/** Fills defaults into a partial config (the config package does the same through ajv defaults). */
export function withDefaults(partial: Partial<MaskingConfig> | undefined): MaskingConfig {
  return {
    ...DEFAULT_MASKING_CONFIG,
    ...partial,
    seal: { ...DEFAULT_MASKING_CONFIG.seal, ...partial?.seal },
  };
}
