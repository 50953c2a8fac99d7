import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/load.js';
import type { SectionChecks } from '../src/types.js';
import { DIR, FILE, memFs, yaml } from './helpers.js';

const TEXT = yaml(
  'upstreams:', //                                      1
  '  a: { command: npx }', //                           2
  'audit:', //                                          3
  '  retention: 2d', //                                 4
  '  signingKey: "${env:AUDIT_KEY}"', //                5
  '  signingKeyFile: keys/audit.pem', //                6
  'store:', //                                          7
  '  dir: ./data', //                                   8
);

function load(checks: SectionChecks) {
  return loadConfig({
    path: FILE,
    cwd: '/',
    env: { AUDIT_KEY: 'k-secret' },
    readFile: memFs({ [FILE]: TEXT }),
    checks,
  });
}

describe('section checks contributed by concern packages', () => {
  it('see the section as loaded and report with the YAML path and line', async () => {
    const seen: unknown[] = [];
    const r = await load({
      audit: (audit, config) => {
        seen.push(audit.retention, audit.signingKeyFile, config.store.dir, Object.isFrozen(audit));
        return audit.signingKey !== undefined && audit.signingKeyFile !== undefined
          ? [{ path: ['signingKeyFile'], message: 'give signingKey or signingKeyFile, not both' }]
          : [];
      },
      store: () => [{ path: ['dir'], message: 'on a network share', severity: 'warning' }],
    });
    expect(seen).toEqual([2 * 86_400_000, `${DIR}/keys/audit.pem`, `${DIR}/data`, true]);
    expect(r).toEqual({
      ok: false,
      errors: [
        {
          path: 'audit.signingKeyFile',
          line: 6,
          column: 3,
          message: 'give signingKey or signingKeyFile, not both',
        },
      ],
    });
  });

  it('warnings do not fail the load', async () => {
    const r = await load({
      store: () => [{ path: ['dir'], message: 'on a network share', severity: 'warning' }],
    });
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(r.warnings).toEqual([{ path: 'store.dir', line: 8, column: 3, message: 'on a network share' }]);
  });

  it('a check that throws fails the load at its section', async () => {
    const r = await load({
      policy: () => {
        throw new Error('rule compiler crashed');
      },
    });
    // The file has no `policy` key: the issue points at the top of the file.
    expect(r).toEqual({
      ok: false,
      errors: [{ path: 'policy', line: 1, column: 1, message: 'check failed: rule compiler crashed' }],
    });
  });
});
