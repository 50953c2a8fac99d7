import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { secretScanner } from '@mcpgate/masking';
import { buildPolicyEngine } from '../src/build.js';
import { runPolicyTests } from '../src/testing.js';

const doc = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'policy.md'),
  'utf8',
);
// `secrets:` matchers use the masking detectors, injected as the gateway does.
const opts = { secrets: secretScanner() };
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/policy.md worked examples', () => {
  const runnable = blocks.filter((b) => /^tests:/m.test(b) && /^policy:/m.test(b));
  it('has worked examples with tests', () => expect(runnable.length).toBeGreaterThanOrEqual(4));
  runnable.forEach((b, i) => {
    it(`example ${i + 1} passes its table`, () => {
      const report = runPolicyTests(parse(b), opts);
      expect(report.errors).toEqual([]);
      expect(report.results.filter((r) => !r.ok)).toEqual([]);
      expect(report.passed).toBeGreaterThan(0);
    });
  });
  it('every other policy snippet is a valid policy section', () => {
    for (const b of blocks.filter((x) => /^policy:/m.test(x) && !/^tests:/m.test(x))) {
      const built = buildPolicyEngine((parse(b) as { policy: unknown }).policy, opts);
      expect(built.ok ? [] : built.errors, b).toEqual([]);
    }
  });
});
