import { SECTIONS } from '@mcpgate/config';
import { describe, expect, it } from 'vitest';
import { maskingConfigIssues } from '../src/check.js';
import { DEFAULT_KEY_NAMES } from '../src/config.js';
import { BUILTIN_DETECTOR_IDS } from '../src/detectors/registry.js';
import { maskingConfigSchema } from '../src/schema.js';
import { generateSealKeyPair } from '../src/seal.js';

describe('masking config schema', () => {
  it('is the section the config package publishes (no drift)', () => {
    expect(JSON.stringify(SECTIONS.masking)).toBe(JSON.stringify(maskingConfigSchema));
  });

  it('documents every built-in detector id and the default key names', () => {
    for (const id of BUILTIN_DETECTOR_IDS)
      expect(maskingConfigSchema.properties.detectors.description).toContain(id);
    expect(maskingConfigSchema.properties.keys.default.names).toEqual(DEFAULT_KEY_NAMES);
  });
});

describe('load-time checks', () => {
  it('accepts the defaults and a realistic config', () => {
    expect(maskingConfigIssues({})).toEqual([]);
    expect(
      maskingConfigIssues({
        strategy: 'hash',
        hashKey: 'x'.repeat(32),
        patterns: [{ id: 'employee_id', regex: 'EMP-[0-9]{6}' }],
        detectors: { employee_id: { strategy: 'partial' }, ipv4: { enabled: false } },
        fields: [{ path: '$.users[*].email' }],
        seal: { enabled: true, publicKey: generateSealKeyPair().publicKeyPem },
      }),
    ).toEqual([]);
  });

  it('reports each problem at its path, without quoting secrets', () => {
    const issues = maskingConfigIssues({
      hashKey: undefined,
      detectors: { nope: {} },
      fields: [{ path: 'users.email', strategy: 'hash' }],
      patterns: [{ id: 'evil', regex: '(a+)+$' }],
      rules: [{ upstream: 'crm', patterns: [{ id: 'email', regex: 'x{2}' }] }],
      seal: { enabled: true, publicKey: 'not a key' },
    });
    expect(issues.map((i) => i.path.join('.'))).toEqual([
      'detectors.nope',
      'fields.0.path',
      'fields.0.strategy',
      'patterns.0.regex',
      'rules.0.patterns.0.id',
      'seal.publicKey',
    ]);
    expect(issues[3]!.message).toMatch(/unbounded quantifier/);
  });
});
