import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@mcpgate/core';
import { MemoryAuditSink } from '../src/audit-sink.js';
import { MemoryGrantStore } from '../src/grants/memory-store.js';
import { GrantService } from '../src/grants/service.js';
import { createAuthorizeSteps } from '../src/step/authorize.js';
import { createPolicyVisibility } from '../src/visibility.js';
import { clientIO, failure, mutableSpec, peer, sessionFor, startGateway } from './gateway-helpers.js';
import { engineOf, identity } from './helpers.js';

describe('a grant that expires mid-session', () => {
  const engine = engineOf({
    default: 'deny',
    rules: [
      {
        name: 'echo-needs-grant',
        match: { upstreams: ['m'], tools: ['echo'] },
        action: 'require_grant',
        grant: { maxDuration: '10m', reviewers: ['sre'] },
      },
    ],
  });
  let t = Date.parse('2026-11-24T09:00:00Z');
  const clock = () => new Date(t);
  const grants = new GrantService({
    store: new MemoryGrantStore(),
    engine: () => engine,
    audit: new MemoryAuditSink(),
    clock,
  });
  let gw: Gateway;
  const alice = identity('oidc:alice', ['eng']);
  const sam = identity('oidc:sam', ['sre']);

  beforeAll(async () => {
    gw = (
      await startGateway(
        [mutableSpec('m')],
        createAuthorizeSteps(engine, { grants, clock }),
        createPolicyVisibility(engine),
      )
    ).gateway;
  });
  afterAll(async () => gw?.close());

  it('runs only while the grant is active, in the same session', async () => {
    const s = gw.openSession(sessionFor('s1', alice), peer);
    const call = () =>
      s.handle(
        'tools/call',
        { name: 'm__echo', arguments: { message: 'x' } },
        clientIO(undefined),
        new AbortController().signal,
      );
    // Visible even without a grant (it can be requested), refused until one is active.
    const list = await s.handle('tools/list', undefined, clientIO(undefined), new AbortController().signal);
    expect((list.tools as { name: string }[]).map((x) => x.name)).toEqual(['m__echo']);
    expect((await failure(call())).code).toBe('grant_required');

    const g = await grants.request(alice, {
      upstream: 'm',
      tool: 'echo',
      durationMs: 5 * 60_000,
      reason: 'debugging',
    });
    expect((await failure(call())).code).toBe('grant_required');
    await grants.approve(sam, g.id);
    expect(JSON.stringify(await call())).toContain('x');

    t += 4 * 60_000;
    expect(JSON.stringify(await call())).toContain('x');
    t += 60_000;
    const f = await failure(call());
    expect(f.code).toBe('grant_required');
    expect(f.data).toMatchObject({ rule: 'echo-needs-grant', maxDuration: '10m' });
  });
});
