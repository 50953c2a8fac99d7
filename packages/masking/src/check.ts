import { createPublicKey } from 'node:crypto';
import { unsafePatternReason } from '@mcpgate/core';
import type { MaskingConfig, MaskingProfileConfig } from './config.js';
import { withDefaults } from './config.js';
import { BUILTIN_DETECTOR_IDS } from './detectors/registry.js';
import { parseJsonPath } from './jsonpath.js';

/** A problem in the `masking` section, with a path relative to the section (config reports it with a line). */
export interface MaskingConfigIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

function checkProfile(
  p: MaskingProfileConfig,
  at: readonly (string | number)[],
  patternIds: ReadonlySet<string>,
  hashKey: string | undefined,
  issues: MaskingConfigIssue[],
): void {
  const needsKey = (strategy: string | undefined, path: readonly (string | number)[]) => {
    if (strategy === 'hash' && !hashKey)
      issues.push({
        path,
        message: 'strategy "hash" needs masking.hashKey (a ${env:…} or ${file:…} reference)',
      });
  };
  needsKey(p.strategy, [...at, 'strategy']);
  for (const [id, s] of Object.entries(p.detectors ?? {})) {
    if (!BUILTIN_DETECTOR_IDS.includes(id) && !patternIds.has(id))
      issues.push({
        path: [...at, 'detectors', id],
        message: `unknown detector "${id}" (built-in ids: ${BUILTIN_DETECTOR_IDS.join(', ')}; or a custom pattern id)`,
      });
    needsKey(s.strategy, [...at, 'detectors', id, 'strategy']);
  }
  needsKey(p.keys?.strategy, [...at, 'keys', 'strategy']);
  (p.fields ?? []).forEach((f, i) => {
    try {
      parseJsonPath(f.path);
    } catch (err) {
      issues.push({
        path: [...at, 'fields', i, 'path'],
        message: (err as Error).message.replace(/^masking: /, ''),
      });
    }
    needsKey(f.strategy, [...at, 'fields', i, 'strategy']);
  });
  (p.patterns ?? []).forEach((pat, i) => {
    const why = unsafePatternReason(pat.regex, pat.flags);
    if (why)
      issues.push({ path: [...at, 'patterns', i, 'regex'], message: `pattern "${pat.id}" refused: ${why}` });
    if (BUILTIN_DETECTOR_IDS.includes(pat.id))
      issues.push({ path: [...at, 'patterns', i, 'id'], message: `"${pat.id}" is a built-in detector id` });
    needsKey(pat.strategy, [...at, 'patterns', i, 'strategy']);
  });
}

/**
 * Load-time checks JSON Schema cannot express: unsafe custom regexes, invalid JSON paths, unknown
 * detector ids, `hash` without a key, a seal key that is not X25519. Shaped for the config
 * package's section checks (`checks: { masking: (s) => maskingConfigIssues(s) }`).
 */
export function maskingConfigIssues(section: Partial<MaskingConfig>): MaskingConfigIssue[] {
  const config = withDefaults(section);
  const issues: MaskingConfigIssue[] = [];
  const allPatterns = [...(config.patterns ?? []), ...config.rules.flatMap((r) => r.patterns ?? [])];
  const patternIds = new Set(allPatterns.map((p) => p.id));
  checkProfile(config, [], patternIds, config.hashKey, issues);
  config.rules.forEach((r, i) => checkProfile(r, ['rules', i], patternIds, config.hashKey, issues));
  if (config.seal.enabled && !config.seal.publicKey)
    issues.push({ path: ['seal', 'publicKey'], message: 'seal.enabled needs seal.publicKey (X25519, PEM)' });
  if (config.seal.publicKey) {
    try {
      const key = createPublicKey(config.seal.publicKey);
      if (key.asymmetricKeyType !== 'x25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    } catch (err) {
      issues.push({
        path: ['seal', 'publicKey'],
        message: `not an X25519 public key in PEM form (${err instanceof Error ? err.message : 'unreadable'})`,
      });
    }
  }
  return issues;
}
