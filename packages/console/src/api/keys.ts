import { type SqlClient } from '@mcpgate/core';
import { adminRoute, HttpProblem, readJsonBody, sendJson, type AdminHandler } from '@mcpgate/admin-http';
import { apiKeyJson, createApiKey, listApiKeys, revokeApiKey } from '@mcpgate/auth';
import { requireDuration } from '@mcpgate/config';
import type { RoleGroups } from '../roles.js';
import { mustBeAdmin, sendFailure } from './guard.js';

export const ADMIN_KEYS_PATH = '/admin/keys';

export interface KeysApiOptions {
  readonly sql: SqlClient;
  readonly roles: RoleGroups;
  /** `auth.apiKeys.pepper`: without it no key can be created (the CLI refuses the same way). */
  readonly pepper: string | undefined;
  /** `auth.apiKeys.enabled`: creating a key while this is false works, with a warning in the answer. */
  readonly enabled: boolean;
}

function groupsOf(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  if (Array.isArray(v) && v.every((g) => typeof g === 'string')) return v;
  throw new HttpProblem(400, 'invalid_params', '"groups" must be an array of group names (or "a,b")');
}

/**
 * API keys for service accounts, for admins only — the same functions as `mcpgate keys …`:
 *
 *   GET  /admin/keys[?all=1]                        live keys (all: revoked too); never a secret
 *   POST /admin/keys {"name","groups"?,"expires"?}  creates one; the answer carries the key ONCE
 *   POST /admin/keys/{id}/revoke                    revokes it (running gateways drop it at once)
 */
export function createKeysAdminHandler(opts: KeysApiOptions): AdminHandler {
  return async (req, res, identity) => {
    const route = adminRoute(req, ADMIN_KEYS_PATH);
    if (!route) return false;
    const { url, rest } = route;
    const method = req.method ?? 'GET';
    try {
      mustBeAdmin(identity, opts.roles, 'managing API keys');
      if (rest.length === 0 && method === 'GET') {
        const all = url.searchParams.get('all');
        const keys = await listApiKeys(opts.sql, { includeRevoked: all === '1' || all === 'true' });
        sendJson(res, 200, { items: keys.map(apiKeyJson) });
        return true;
      }
      if (rest.length === 0 && method === 'POST') {
        if (opts.pepper === undefined || opts.pepper.length < 32)
          throw new HttpProblem(
            409,
            'not_configured',
            'auth.apiKeys.pepper must be set (at least 32 characters) to create API keys',
          );
        const body = await readJsonBody(req);
        if (typeof body.name !== 'string' || body.name.trim() === '')
          throw new HttpProblem(400, 'invalid_params', '"name" must be a non-empty string');
        if (body.expires !== undefined && (typeof body.expires !== 'string' || body.expires.trim() === ''))
          throw new HttpProblem(400, 'invalid_params', '"expires" must be a duration such as 90d');
        const expires = typeof body.expires === 'string' ? requireDuration(body.expires) : undefined;
        const { key, record } = await createApiKey(opts.sql, opts.pepper, {
          name: body.name.trim(),
          groups: groupsOf(body.groups),
          ...(expires !== undefined && { expiresInMs: expires }),
          createdBy: identity.subject,
        });
        sendJson(res, 201, {
          key,
          apiKey: apiKeyJson(record),
          ...(!opts.enabled && {
            warning: 'auth.apiKeys.enabled is false: the gateway accepts this key only once it is enabled',
          }),
        });
        return true;
      }
      if (rest.length === 2 && rest[1] === 'revoke') {
        if (method !== 'POST') throw new HttpProblem(405, 'method_not_allowed', 'revoking a key is POST');
        const revoked = await revokeApiKey(opts.sql, { id: rest[0]! });
        if (revoked.length === 0)
          throw new HttpProblem(404, 'not_found', `no live API key with id ${rest[0]}`);
        sendJson(res, 200, { apiKey: apiKeyJson(revoked[0]!) });
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such keys endpoint: ${method} ${url.pathname}`);
    } catch (err) {
      sendFailure(res, err, 'managing API keys');
      return true;
    }
  };
}
