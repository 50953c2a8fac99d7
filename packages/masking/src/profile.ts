import { GatewayError } from '@mcpgate/core';
import type {
  DetectorSetting,
  FieldRuleConfig,
  KeyRulesConfig,
  MaskingConfig,
  MaskingRuleConfig,
  PatternConfig,
} from './config.js';
import { customPatternDetector } from './detectors/custom.js';
import { BUILTIN_DETECTORS } from './detectors/registry.js';
import type { Detector } from './detectors/types.js';
import { anyGlob, globMatch } from './glob.js';
import { parseJsonPath, type PathSegment } from './jsonpath.js';
import { replacerFor, type Replacer, type StrategyName, type StrategyOptions } from './strategies.js';

/** What is being masked: enough of the call's target to pick rules. */
export interface MaskTarget {
  readonly upstream: string;
  /** `tool`, `prompt`, `resource` (others match only rules without name lists). */
  readonly kind?: string;
  readonly name?: string;
  readonly uri?: string;
}

export interface CompiledField {
  readonly id: string;
  readonly segments: readonly PathSegment[];
  readonly strategy: StrategyName;
  readonly replace: Replacer;
}

/** Everything needed to mask one call's payload, compiled once per (upstream, tool) and cached. */
export interface CompiledProfile {
  readonly enabled: boolean;
  readonly arguments: boolean;
  readonly detectors: readonly Detector[];
  readonly detectorStrategy: ReadonlyMap<string, { strategy: StrategyName; replace: Replacer }>;
  readonly keyNames: readonly string[];
  readonly keyStrategy: { strategy: StrategyName; replace: Replacer };
  readonly fields: readonly CompiledField[];
}

export function ruleApplies(rule: MaskingRuleConfig, t: MaskTarget): boolean {
  if (rule.upstream !== undefined && !globMatch(rule.upstream, t.upstream)) return false;
  const lists = [rule.tools, rule.prompts, rule.resources];
  if (lists.every((l) => l === undefined)) return true;
  if (t.kind === 'tool') return rule.tools !== undefined && anyGlob(rule.tools, t.name);
  if (t.kind === 'prompt') return rule.prompts !== undefined && anyGlob(rule.prompts, t.name);
  if (t.kind === 'resource') return rule.resources !== undefined && anyGlob(rule.resources, t.uri);
  return false;
}

/** Normalises a key for key-name rules: case-insensitive, `_`, `-`, `.` and spaces ignored. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_. ]/g, '');
}

/**
 * Base settings, then every matching rule in config order: scalars and `keys` replace, per-id
 * detector settings merge, fields and patterns accumulate.
 */
export function compileProfile(config: MaskingConfig, target: MaskTarget): CompiledProfile {
  let enabled = config.enabled;
  let args = config.arguments ?? false;
  let strategy = config.strategy;
  const detectorSettings = new Map<string, DetectorSetting>(Object.entries(config.detectors ?? {}));
  let keys: KeyRulesConfig | undefined = config.keys;
  const fields: FieldRuleConfig[] = [...(config.fields ?? [])];
  const patterns: PatternConfig[] = [...(config.patterns ?? [])];
  for (const rule of config.rules) {
    if (!ruleApplies(rule, target)) continue;
    if (rule.enabled !== undefined) enabled = rule.enabled;
    if (rule.arguments !== undefined) args = rule.arguments;
    if (rule.strategy !== undefined) strategy = rule.strategy;
    for (const [id, s] of Object.entries(rule.detectors ?? {}))
      detectorSettings.set(id, { ...detectorSettings.get(id), ...s });
    if (rule.keys !== undefined) keys = rule.keys;
    fields.push(...(rule.fields ?? []));
    patterns.push(...(rule.patterns ?? []));
  }
  const opts: StrategyOptions = {
    hashKey: config.hashKey,
    hashLength: config.hashLength,
    partialKeep: config.partialKeep,
  };
  const pick = (s: StrategyName | undefined) => {
    const name = s ?? strategy;
    return { strategy: name, replace: replacerFor(name, opts) };
  };
  for (const id of detectorSettings.keys())
    if (!BUILTIN_DETECTORS.some((d) => d.id === id) && !patterns.some((p) => p.id === id))
      throw new GatewayError('internal', `masking: unknown detector id "${id}"`);

  const detectors: Detector[] = [];
  const detectorStrategy = new Map<string, { strategy: StrategyName; replace: Replacer }>();
  for (const d of BUILTIN_DETECTORS) {
    const s = detectorSettings.get(d.id);
    if (s?.enabled === false) continue;
    detectors.push(d);
    detectorStrategy.set(d.id, pick(s?.strategy));
  }
  for (const p of patterns) {
    const s = detectorSettings.get(p.id);
    if (s?.enabled === false) continue;
    detectors.push(customPatternDetector(p.id, p.regex, p.flags));
    detectorStrategy.set(p.id, pick(s?.strategy ?? p.strategy));
  }
  return {
    enabled,
    arguments: args,
    detectors,
    detectorStrategy,
    keyNames: (keys?.names ?? []).map(normalizeKey),
    keyStrategy: pick(keys?.strategy),
    fields: fields.map((f) => {
      const st = pick(f.strategy);
      return { id: f.id ?? f.path, segments: parseJsonPath(f.path), ...st };
    }),
  };
}

/** Checks a whole masking config up front (config load): every profile must compile. */
export function validateMaskingConfig(config: MaskingConfig): void {
  compileProfile(config, { upstream: '' });
  for (const rule of config.rules) {
    compileProfile(
      {
        ...config,
        rules: [{ ...rule, upstream: undefined, tools: undefined, prompts: undefined, resources: undefined }],
      },
      { upstream: '' },
    );
  }
  for (const e of config.exceptions)
    if (e.groups.length === 0)
      throw new GatewayError('internal', `masking: exception "${e.id}" names no group`);
  if (config.seal.enabled && !config.seal.publicKey)
    throw new GatewayError('internal', 'masking: seal.enabled needs seal.publicKey');
}
