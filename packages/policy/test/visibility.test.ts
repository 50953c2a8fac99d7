import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '@mcpgate/core';
import { combineVisibility, createPolicyVisibility } from '../src/visibility.js';
import { engineOf, identity } from './helpers.js';
import { sessionFor } from './gateway-helpers.js';

const entry = (name: string, annotations?: Record<string, unknown>): CatalogEntry => ({
  upstream: 'fs',
  name,
  exposedName: `fs__${name}`,
  exposed: { name: `fs__${name}` },
  original: { name, ...(annotations ? { annotations } : {}) },
});

describe('visibility: hidden only when every path for the identity ends in deny', () => {
  const engine = engineOf({
    default: 'deny',
    rules: [
      { name: 'no-contractors', match: { groups: ['contractors'], tools: ['write_*'] }, action: 'deny' },
      {
        name: 'small-writes',
        match: { tools: ['write_file'], arguments: { properties: { size: { maximum: 10 } } } },
        action: 'allow',
      },
      {
        name: 'deny-etc',
        match: { tools: ['read_file'], args: [{ at: 'path', pathOutside: ['/srv'] }] },
        action: 'deny',
      },
      { name: 'reads', match: { tools: ['read_*'] }, action: 'allow' },
      { name: 'no-destructive', match: { annotations: { destructiveHint: true } }, action: 'deny' },
      { name: 'rest', match: { upstreams: ['fs'] }, action: 'allow' },
    ],
  });
  const v = createPolicyVisibility(engine);
  const eng = sessionFor('a', identity('alice', ['eng']));
  const contractor = sessionFor('b', identity('bob', ['contractors']));
  const cases: [string, ReturnType<typeof sessionFor>, CatalogEntry, boolean][] = [
    ['argument-dependent allow keeps a tool visible', eng, entry('write_file'), true],
    ['an unconditional deny for the group hides it', contractor, entry('write_file'), false],
    ['a conditional deny alone does not hide', eng, entry('read_file'), true],
    ['unannotated tools count as destructive (MCP default)', eng, entry('move_file'), false],
    [
      'declared non-destructive tools reach the allow',
      eng,
      entry('list_dir', { destructiveHint: false }),
      true,
    ],
  ];
  for (const [what, s, e, want] of cases) it(what, () => expect(v.visible(s, 'tools', e)).toBe(want));

  it('default decides when nothing applies, and combined filters must all agree', () => {
    const other = { ...entry('x'), upstream: 'git' };
    expect(v.visible(eng, 'tools', other)).toBe(false);
    const open = createPolicyVisibility(engineOf({ default: 'allow' }));
    expect(open.visible(eng, 'tools', other)).toBe(true);
    expect(combineVisibility(open, v).visible(eng, 'tools', other)).toBe(false);
    expect(combineVisibility(open, undefined).visible(eng, 'tools', other)).toBe(true);
  });
});
