import { describe, expect, it } from 'vitest';
import type { PolicySection } from '@mcpgate/config';
import { upstreamsHiddenFromEveryone } from '../src/hidden-upstreams.js';

const policy = (p: Partial<PolicySection>): PolicySection => ({
  default: 'deny',
  rules: [],
  rateLimits: [],
  pinning: { default: 'off', upstreams: {} },
  localGroups: {},
  upstreamRequests: { sampling: 'deny', elicitation: 'allow', roots: 'allow' },
  ...p,
});

describe('upstreamsHiddenFromEveryone', () => {
  it('reports upstreams no non-deny rule can match when the default is deny', () => {
    const p = policy({
      rules: [
        { name: 'no-fs-writes', action: 'deny', match: { upstreams: ['fs'] } },
        { name: 'eng-git', action: 'allow', match: { groups: ['eng'], upstreams: ['git*'] } },
      ],
    });
    expect(upstreamsHiddenFromEveryone(p, ['fs', 'github', 'docs'])).toEqual(['fs', 'docs']);
  });

  it('reports nothing when the default allows, or when a rule names no upstream', () => {
    expect(upstreamsHiddenFromEveryone(policy({ default: 'allow' }), ['fs'])).toEqual([]);
    const anyUpstream = policy({ rules: [{ name: 'reads', action: 'allow', match: { tools: ['read_*'] } }] });
    expect(upstreamsHiddenFromEveryone(anyUpstream, ['fs'])).toEqual([]);
  });
});
