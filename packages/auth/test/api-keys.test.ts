import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, openPostgres, type Store } from '@mcpgate/audit';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { createAuthenticator, type Authenticator } from '../src/authenticator.js';
import { withAuthDefaults } from '../src/config.js';
import { hashApiKeySecret, parseApiKey } from '../src/api-keys/format.js';
import { createApiKey, findApiKey, listApiKeys, revokeApiKey } from '../src/api-keys/store.js';

const PEPPER = 'test-pepper-0123456789abcdef0123456789abcdef';

describe('API key format', () => {
  it('binds the hash to the pepper and the id', () => {
    const a = hashApiKeySecret(PEPPER, '0123456789abcdef', 'ff'.repeat(32));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKeySecret(`${PEPPER}x`, '0123456789abcdef', 'ff'.repeat(32))).not.toBe(a);
    expect(hashApiKeySecret(PEPPER, '0123456789abcdee', 'ff'.repeat(32))).not.toBe(a);
  });
});

function suite(label: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  describe(`API keys on ${label}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let auth: Authenticator;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await migrate(store);
      auth = await createAuthenticator(
        withAuthDefaults({ mode: 'oauth', apiKeys: { enabled: true, pepper: PEPPER, cacheMaxAge: 60_000 } }),
        {
          sql: store,
        },
      );
    });

    afterAll(async () => {
      await auth?.close();
      await store?.close();
      await cleanup?.();
    });

    it('creates a key shown once, stores only its hash, and accepts it as Bearer and X-API-Key', async () => {
      const { key, record } = await createApiKey(store, PEPPER, {
        name: 'ci-bot',
        groups: ['ci', 'deploy'],
        expiresInMs: 90 * 86_400_000,
      });
      const parsed = parseApiKey(key);
      expect(parsed?.id).toBe(record.id);
      const stored = await findApiKey(store, record.id);
      expect(stored?.secretHash).toBe(hashApiKeySecret(PEPPER, parsed!.id, parsed!.secret));
      const raw = await store.query('SELECT * FROM mcpgate_api_keys');
      expect(JSON.stringify(raw.rows)).not.toContain(parsed!.secret);
      expect(record.expiresAt!.getTime() - record.createdAt.getTime()).toBe(90 * 86_400_000);

      for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }]) {
        const result = await auth.authenticate(headers);
        expect(result.ok ? result.identity : result.description).toEqual({
          subject: 'key:ci-bot',
          groups: ['ci', 'deploy'],
          authMethod: 'api-key',
          keyName: 'ci-bot',
          tokenId: record.id,
          expiresAt: record.expiresAt!.getTime(),
        });
      }
      expect((await listApiKeys(store)).map((k) => k.name)).toEqual(['ci-bot']);
    });

    it('refuses a wrong secret for a real id, an unknown id and a malformed key', async () => {
      const { key } = await createApiKey(store, PEPPER, { name: 'probe' });
      const wrong = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
      const r1 = await auth.authenticate({ 'x-api-key': wrong });
      expect(r1.ok ? 'accepted' : `${r1.status} ${r1.description}`).toBe('401 invalid API key');
      const r2 = await auth.authenticate({ 'x-api-key': `mcpg_ffffffffffffffff_${'a'.repeat(64)}` });
      expect(r2.ok ? 'accepted' : `${r2.status} ${r2.description}`).toBe('401 unknown API key');
      const r3 = await auth.authenticate({ authorization: 'Bearer mcpg_nope' });
      expect(r3.ok ? 'accepted' : `${r3.status} ${r3.description}`).toBe('401 malformed API key');
    });

    it('refuses an expired key', async () => {
      const { key } = await createApiKey(
        store,
        PEPPER,
        { name: 'short-lived', expiresInMs: 1000 },
        new Date(Date.now() - 5000),
      );
      const r = await auth.authenticate({ 'x-api-key': key });
      expect(r.ok ? 'accepted' : r.description).toBe('API key expired');
    });

    it('honors revocation at once through the revocation notice, despite a 60 s cache', async () => {
      const { key, record } = await createApiKey(store, PEPPER, { name: 'to-revoke', groups: ['ci'] });
      expect((await auth.authenticate({ 'x-api-key': key })).ok).toBe(true);
      const revoked = await revokeApiKey(store, { name: 'to-revoke' });
      expect(revoked.map((k) => k.id)).toEqual([record.id]);
      // The notice travels asynchronously on Postgres; wait for it rather than for the cache.
      let result = await auth.authenticate({ 'x-api-key': key });
      for (let i = 0; i < 50 && result.ok; i++) {
        await new Promise((r) => setTimeout(r, 20));
        result = await auth.authenticate({ 'x-api-key': key });
      }
      expect(result.ok ? 'accepted' : result.description).toBe('API key revoked');
      expect((await listApiKeys(store)).map((k) => k.name)).not.toContain('to-revoke');
      expect(
        (await listApiKeys(store, { includeRevoked: true })).find((k) => k.id === record.id)?.revokedAt,
      ).toBeInstanceOf(Date);
    });

    it('honors revocation within cacheMaxAge even when no notice arrives', async () => {
      const shortCache = await createAuthenticator(
        withAuthDefaults({ mode: 'oauth', apiKeys: { enabled: true, pepper: PEPPER, cacheMaxAge: 1_000 } }),
        { sql: store },
      );
      try {
        const { key, record } = await createApiKey(store, PEPPER, { name: 'silent-revoke' });
        expect((await shortCache.authenticate({ 'x-api-key': key })).ok).toBe(true);
        // Revoke behind the verifier's back (no NOTIFY), as an old build or a manual UPDATE would.
        await store.query('UPDATE mcpgate_api_keys SET revoked_at = now() WHERE id = $1', [record.id]);
        await new Promise((r) => setTimeout(r, 1100));
        const r = await shortCache.authenticate({ 'x-api-key': key });
        expect(r.ok ? 'accepted' : r.description).toBe('API key revoked');
      } finally {
        await shortCache.close();
      }
    });

    it('rejects bad names and missing peppers with precise errors', async () => {
      await expect(createApiKey(store, PEPPER, { name: 'has space' })).rejects.toThrow(/invalid key name/);
      await expect(createApiKey(store, 'short', { name: 'ok' })).rejects.toThrow(/pepper/);
    });
  });
}

let db: PgDatabase | undefined;
suite('PostgreSQL', async () => {
  db = await pgSchema('mcpgate_auth_keys');
  const store = await openPostgres({ url: db.url });
  return { store, cleanup: () => db!.drop() };
});
suite('PGlite', async () => {
  const store = await openPglite();
  return { store, cleanup: () => Promise.resolve() };
});
