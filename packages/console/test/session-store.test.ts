import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Store } from '@mcpgate/audit';
import type { Identity } from '@mcpgate/core';
import { ConsoleSessionStore, sha256 } from '../src/session-store.js';

const bob: Identity = {
  subject: 'bob',
  name: 'Bob',
  groups: ['reviewers'],
  authMethod: 'oidc',
  issuer: 'https://idp',
};
const MIN = 60_000;

describe('console sessions (embedded store)', () => {
  let store: Store;
  let now = Date.parse('2026-12-01T09:00:00Z');
  const clock = () => now;
  let sessions: ConsoleSessionStore;

  beforeAll(async () => {
    store = await openPglite();
    await migrate(store);
    sessions = new ConsoleSessionStore(store, 30 * MIN, 12 * 60 * MIN, clock);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('keeps only the hash of the cookie value', async () => {
    const { cookie } = await sessions.create(bob);
    const rows = await store.query<{ id_hash: string }>('SELECT id_hash FROM mcpgate_console_sessions');
    expect(rows.rows.map((r) => r.id_hash)).toContain(sha256(cookie));
    expect(JSON.stringify(rows.rows)).not.toContain(cookie);
    expect((await sessions.get(cookie))?.identity).toMatchObject({ subject: 'bob', groups: ['reviewers'] });
    expect(await sessions.get(`${cookie}x`)).toBeUndefined();
  });

  it('ends a session idle for the idle timeout, and keeps one in use alive until then', async () => {
    const { cookie } = await sessions.create(bob);
    now += 29 * MIN;
    expect(await sessions.get(cookie)).toBeDefined(); // a use refreshes the idle clock
    now += 29 * MIN;
    expect(await sessions.get(cookie)).toBeDefined();
    now += 31 * MIN;
    expect(await sessions.get(cookie)).toBeUndefined();
    now -= 31 * MIN; // even back in time, an ended session stays ended
    expect(await sessions.get(cookie)).toBeUndefined();
  });

  it('ends every session at the absolute timeout, however active', async () => {
    const { cookie } = await sessions.create(bob);
    for (let i = 0; i < 28; i++) {
      now += 25 * MIN;
      expect(await sessions.get(cookie)).toBeDefined();
    }
    now += 25 * MIN; // 12 h 5 min after sign-in
    expect(await sessions.get(cookie)).toBeUndefined();
  });

  it('ends a session on sign-out', async () => {
    const { cookie } = await sessions.create(bob);
    await sessions.end(cookie);
    expect(await sessions.get(cookie)).toBeUndefined();
  });

  it('lets a sign-in callback be used once, and not after 15 minutes', async () => {
    await sessions.saveLogin('state-1', { codeVerifier: 'v', nonce: 'n', returnTo: '/console/approvals' });
    expect(await sessions.takeLogin('state-1')).toEqual({
      codeVerifier: 'v',
      nonce: 'n',
      returnTo: '/console/approvals',
    });
    expect(await sessions.takeLogin('state-1')).toBeUndefined();
    await sessions.saveLogin('state-2', { codeVerifier: 'v', nonce: 'n', returnTo: '/console/' });
    now += 16 * MIN;
    expect(await sessions.takeLogin('state-2')).toBeUndefined();
  });
});
