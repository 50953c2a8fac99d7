import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, openPostgres, type Store } from '@mcpgate/audit';
import { pgSchema } from '@mcpgate/testkit';
import { PendingFlowStore, randomId } from '../src/upstream/pending-flows.js';
import { TokenSealer } from '../src/upstream/token-seal.js';

const TTL = 10 * 60_000;
const owner = { subject: 'alice', principal: '["oidc","https://idp","alice"]', upstream: 'tickets' };
const flow = (flowId: string) => ({
  flowId,
  authorizationUrl: `https://as.example/authorize?state=s-${flowId}`,
  verifier: `verifier-${flowId}-0123456789abcdef0123456789abcdef`,
  client: {
    clientId: 'gw-client',
    clientSecret: 'client-secret-xyz',
    authMethod: 'client_secret_basic' as const,
  },
});

/**
 * Per-user authorizations in progress (migration 0051) on both stores the gateway runs on: what one
 * replica writes, another reads; a callback takes a flow once; expired flows are neither served nor
 * kept; nothing a browser holds (flow id, state) and no verifier or secret is stored in the clear.
 */
function suite(label: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  describe(`pending OAuth flows on ${label}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let now = Date.now();
    const sealer = TokenSealer.fromKeyMaterial(randomBytes(32).toString('base64'), 'test key');
    let flows: PendingFlowStore;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await migrate(store);
      flows = new PendingFlowStore(store, sealer, () => now);
    });
    afterAll(() => cleanup());

    it('serves a flow by its link id, binds a browser, and hands it to one callback only', async () => {
      const id = randomId();
      await flows.create('state-1', owner, flow(id), TTL);
      const read = await flows.byFlow(id);
      expect(read).toMatchObject({
        ...owner,
        flowId: id,
        verifier: flow(id).verifier,
        browserHash: undefined,
      });
      expect(await flows.reusable('alice', owner.principal, 'tickets', 60_000)).toBe(id);
      expect(await flows.reusable('alice', 'someone else', 'tickets', 60_000)).toBeUndefined();
      await flows.bindBrowser(id, 'cookie-value');
      expect((await flows.byFlow(id))?.browserHash).toMatch(/^[0-9a-f]{64}$/);
      const [first, second] = await Promise.all([flows.take('state-1'), flows.take('state-1')]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(await flows.byFlow(id)).toBeUndefined();
    });

    it('neither serves nor keeps an expired flow', async () => {
      const id = randomId();
      await flows.create('state-2', owner, flow(id), TTL);
      now += TTL + 1;
      expect(await flows.byFlow(id)).toBeUndefined();
      expect(await flows.reusable('alice', owner.principal, 'tickets', 0)).toBeUndefined();
      // The next start sweeps it.
      await flows.create('state-3', owner, flow(randomId()), TTL);
      const rows = await store.query<{ n: number | string }>(
        'SELECT count(*) AS n FROM mcpgate_oauth_pending',
      );
      expect(Number(rows.rows[0]!.n)).toBe(1);
      expect(await flows.take('state-2')).toBeUndefined();
    });

    it('stores no flow id, state, verifier or client secret in the clear', async () => {
      const id = randomId();
      await flows.create('state-clear-check', owner, flow(id), TTL);
      const rows = await store.query<{ row: string }>(
        'SELECT row_to_json(p)::text AS row FROM mcpgate_oauth_pending p',
      );
      const text = rows.rows.map((r) => r.row).join('\n');
      for (const secret of [id, 'state-clear-check', flow(id).verifier, 'client-secret-xyz'])
        expect(text).not.toContain(secret);
    });
  });
}

suite('PostgreSQL', async () => {
  const db = await pgSchema('mcpgate_auth_pending');
  const store = await openPostgres({ url: db.url });
  return { store, cleanup: async () => (await store.close(), await db.drop()) };
});
suite('PGlite', async () => {
  const store = await openPglite();
  return { store, cleanup: () => store.close() };
});
