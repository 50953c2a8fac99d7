import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { secretScanner } from '@mcpgate/masking';
import { runPolicyTests } from '../src/testing.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('unsafe-call templates run their own tables', () => {
  it('there are templates for secrets, paths, SQL and shell', () => {
    expect(files.sort()).toEqual([
      'destructive-sql.yaml',
      'paths-outside-roots.yaml',
      'secrets-in-arguments.yaml',
      'shell-metacharacters.yaml',
    ]);
  });
  for (const file of files) {
    it(file, () => {
      const report = runPolicyTests(parse(readFileSync(join(dir, file), 'utf8')), {
        secrets: secretScanner(),
      });
      expect(report.errors).toEqual([]);
      expect(report.results.filter((r) => !r.ok)).toEqual([]);
      expect(report.passed).toBeGreaterThanOrEqual(5);
    });
  }
});

describe('policy test runner reports mismatches', () => {
  it('names the case and what differed', () => {
    const report = runPolicyTests({
      policy: { rules: [{ name: 'a', match: { tools: ['x'] }, action: 'allow' }] },
      tests: [
        { name: 'ok', as: 'u', tool: 'x', upstream: 'up', expect: 'allow', rule: 'a' },
        { name: 'wrong action', as: 'u', tool: 'y', upstream: 'up', expect: 'allow' },
        { name: 'wrong rule', as: 'u', tool: 'x', upstream: 'up', expect: 'allow', rule: 'b' },
        { name: 'wrong visibility', as: 'u', tool: 'y', upstream: 'up', expect: 'deny', visible: true },
      ],
    });
    expect(report.passed).toBe(1);
    expect(report.failed).toBe(3);
    expect(report.results.map((r) => r.problems)).toEqual([
      [],
      ['expected allow, got deny (rule default)'],
      ['expected rule b, got a'],
      ['expected visible, got hidden'],
    ]);
  });
  it('reports an invalid policy instead of throwing', () => {
    const report = runPolicyTests({
      policy: { rules: [{ name: 'r', match: { args: [{ at: 'x', regex: '(a+)+' }] }, action: 'deny' }] },
      tests: [{ as: 'u', expect: 'deny' }],
    });
    expect(report.failed).toBeGreaterThan(0);
    expect(report.errors.join('\n')).toContain('nested quantifier');
  });
});
