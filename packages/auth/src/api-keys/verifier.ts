import type { Identity, Logger, SqlClient } from '@mcpgate/core';
import { assertPepper, parseApiKey, secretMatches } from './format.js';
import { API_KEY_REVOKED_CHANNEL, findApiKey, touchApiKey } from './store.js';

export type ApiKeyOutcome =
  { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly reason: string };

export interface ApiKeyVerifier {
  verify(presented: string): Promise<ApiKeyOutcome>;
  /** Stops listening for revocations. */
  close(): Promise<void>;
}

export interface ApiKeyVerifierOptions {
  readonly sql: SqlClient;
  readonly pepper: string | undefined;
  /** How long a verified key is trusted without re-reading its row. */
  readonly cacheMaxAge: number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

interface CacheEntry {
  readonly hash: string;
  readonly identity: Identity;
  readonly until: number;
}

const TOUCH_INTERVAL_MS = 60_000;
const MAX_CACHE_ENTRIES = 10_000;

/**
 * Verifies presented keys. A verified key's row is cached for `cacheMaxAge` (default 5 s), which
 * bounds how long a revocation can take to bite; on Postgres a revocation is also announced with
 * NOTIFY and evicted immediately. Expiry is re-checked on every use, cached or not.
 */
export async function createApiKeyVerifier(options: ApiKeyVerifierOptions): Promise<ApiKeyVerifier> {
  const pepper = assertPepper(options.pepper);
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  const touched = new Map<string, number>();
  const unlisten = await options.sql.listen(API_KEY_REVOKED_CHANNEL, (id) => cache.delete(id));

  const touch = (id: string) => {
    const t = now();
    if ((touched.get(id) ?? 0) + TOUCH_INTERVAL_MS > t) return;
    touched.set(id, t);
    touchApiKey(options.sql, id, new Date(t)).catch((err: unknown) => {
      options.logger?.warn({ err, keyId: id }, 'could not record API key use');
    });
  };

  return {
    async verify(presented) {
      const parsed = parseApiKey(presented);
      if (!parsed) return { ok: false, reason: 'malformed API key' };
      const t = now();
      let entry = cache.get(parsed.id);
      if (!entry || entry.until <= t) {
        cache.delete(parsed.id);
        const row = await findApiKey(options.sql, parsed.id);
        if (!row) return { ok: false, reason: 'unknown API key' };
        if (row.revokedAt) return { ok: false, reason: 'API key revoked' };
        const identity: Identity = Object.freeze({
          subject: `key:${row.name}`,
          groups: Object.freeze([...row.groups]),
          authMethod: 'api-key' as const,
          keyName: row.name,
          tokenId: row.id,
          ...(row.expiresAt && { expiresAt: row.expiresAt.getTime() }),
        });
        entry = { hash: row.secretHash, identity, until: t + options.cacheMaxAge };
        if (options.cacheMaxAge > 0) {
          if (cache.size >= MAX_CACHE_ENTRIES) {
            const oldest = cache.keys().next().value;
            if (oldest !== undefined) cache.delete(oldest);
          }
          cache.set(parsed.id, entry);
        }
      }
      // Compared on every request, cached or not: the cache holds the hash, never a "this string is good" verdict.
      if (!secretMatches(pepper, parsed.id, parsed.secret, entry.hash))
        return { ok: false, reason: 'invalid API key' };
      if (entry.identity.expiresAt !== undefined && entry.identity.expiresAt <= t)
        return { ok: false, reason: 'API key expired' };
      touch(parsed.id);
      return { ok: true, identity: entry.identity };
    },
    async close() {
      await unlisten();
    },
  };
}
