import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway, JsonObject } from '@mcpgate/core';
import { everythingBin } from '@mcpgate/testkit';
import { createAuthorizeSteps } from '../src/step/authorize.js';
import { createPolicyVisibility } from '../src/visibility.js';
import { clientIO, failure, mutableSpec, peer, sessionFor, startGateway } from './gateway-helpers.js';
import { engineOf, identity } from './helpers.js';

/** Prompts and resources of server-everything: hidden ones are absent and answer like missing ones. */
describe('hidden prompts and resources through a real gateway (server-everything)', () => {
  let gw: Gateway;
  let prompts: string[] = [];
  let resources: string[] = [];
  const signal = () => new AbortController().signal;
  const guest = sessionFor('guest', identity('oidc:guest', ['guests']));
  const admin = sessionFor('admin', identity('oidc:root', ['admins']));

  beforeAll(async () => {
    // Everything is allowed for admins; guests get one prompt and no resources.
    const engine = engineOf({
      default: 'deny',
      rules: [
        { name: 'admins', match: { groups: ['admins'] }, action: 'allow' },
        {
          name: 'guests-simple-prompt',
          match: { groups: ['guests'], prompts: ['simple*'] },
          action: 'allow',
        },
      ],
    });
    const spec = { ...mutableSpec('ev'), args: [everythingBin(), 'stdio'] };
    gw = (await startGateway([spec], createAuthorizeSteps(engine), createPolicyVisibility(engine))).gateway;
    const a = gw.openSession(admin, peer);
    prompts = (
      (await a.handle('prompts/list', undefined, clientIO(undefined), signal())).prompts as JsonObject[]
    ).map((p) => p.name as string);
    resources = (
      (await a.handle('resources/list', undefined, clientIO(undefined), signal())).resources as JsonObject[]
    ).map((r) => r.uri as string);
  });
  afterAll(async () => gw?.close());

  it('lists only what the guest may use', async () => {
    expect(prompts.length).toBeGreaterThan(1);
    expect(resources.length).toBeGreaterThan(0);
    const g = gw.openSession(guest, peer);
    const gp = (
      (await g.handle('prompts/list', undefined, clientIO(undefined), signal())).prompts as JsonObject[]
    ).map((p) => p.name as string);
    expect(gp.length).toBeGreaterThan(0);
    expect(gp.every((n) => n.startsWith('ev__simple'))).toBe(true);
    expect((await g.handle('resources/list', undefined, clientIO(undefined), signal())).resources).toEqual(
      [],
    );
  });

  it('a hidden prompt or resource answers exactly like a missing one', async () => {
    const g = gw.openSession(guest, peer);
    const hiddenPrompt = prompts.find((n) => !n.startsWith('ev__simple'))!;
    const hp = await failure(
      g.handle('prompts/get', { name: hiddenPrompt, arguments: {} }, clientIO(undefined), signal()),
    );
    const mp = await failure(
      g.handle('prompts/get', { name: 'ev__no_such_prompt', arguments: {} }, clientIO(undefined), signal()),
    );
    expect([hp.code, hp.message]).toEqual(['unknown_prompt', `unknown prompt "${hiddenPrompt}"`]);
    expect([mp.code, mp.rpc.code]).toEqual([hp.code, hp.rpc.code]);
    const uri = resources[0]!;
    const hr = await failure(g.handle('resources/read', { uri }, clientIO(undefined), signal()));
    expect([hr.code, hr.message]).toEqual(['unknown_resource', `no upstream serves resource "${uri}"`]);
    const mr = await failure(
      g.handle('resources/read', { uri: 'nothing://here' }, clientIO(undefined), signal()),
    );
    expect([mr.code, mr.rpc.code]).toEqual([hr.code, hr.rpc.code]);
    // The admin reads it fine.
    const a = gw.openSession(admin, peer);
    expect((await a.handle('resources/read', { uri }, clientIO(undefined), signal())).contents).toBeDefined();
  });
});
