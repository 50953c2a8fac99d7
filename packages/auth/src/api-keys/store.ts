import { GatewayError, type SqlClient, type SqlQueryable } from '@mcpgate/core';
import { assertPepper, generateApiKey, hashApiKeySecret } from './format.js';

/** The channel a revocation is announced on, so verifiers in every gateway process drop their cache. */
export const API_KEY_REVOKED_CHANNEL = 'mcpgate_api_key_revoked';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date | undefined;
  readonly revokedAt: Date | undefined;
  readonly lastUsedAt: Date | undefined;
  readonly createdBy: string | undefined;
}

export interface StoredApiKey extends ApiKeyRecord {
  readonly secretHash: string;
}

interface Row {
  id: string;
  name: string;
  groups: string[] | string;
  secret_hash: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
  created_by: string | null;
}

const COLUMNS = 'id, name, groups, secret_hash, created_at, expires_at, revoked_at, last_used_at, created_by';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GROUP_RE = /^[^\s,]{1,128}$/;

function date(v: Date | string | null): Date | undefined {
  return v === null ? undefined : v instanceof Date ? v : new Date(v);
}

function fromRow(r: Row): StoredApiKey {
  return {
    id: r.id,
    name: r.name,
    groups: Array.isArray(r.groups) ? r.groups : (JSON.parse(r.groups) as string[]),
    secretHash: r.secret_hash,
    createdAt: date(r.created_at) ?? new Date(0),
    expiresAt: date(r.expires_at),
    revokedAt: date(r.revoked_at),
    lastUsedAt: date(r.last_used_at),
    createdBy: r.created_by ?? undefined,
  };
}

function publicRecord(k: StoredApiKey): ApiKeyRecord {
  const { secretHash: _hidden, ...rest } = k;
  return rest;
}

export interface CreateApiKeyInput {
  readonly name: string;
  readonly groups?: readonly string[];
  /** Lifetime in milliseconds; omitted means the key never expires. */
  readonly expiresInMs?: number;
  readonly createdBy?: string;
}

/**
 * Creates a key and returns it in clear exactly once; only the HMAC of its secret is stored.
 * Several live keys may share a name (rotation with overlap); all carry the subject `key:<name>`.
 */
export async function createApiKey(
  sql: SqlQueryable,
  pepper: string | undefined,
  input: CreateApiKeyInput,
  now: Date = new Date(),
): Promise<{ key: string; record: ApiKeyRecord }> {
  const p = assertPepper(pepper);
  if (!NAME_RE.test(input.name)) {
    throw new GatewayError(
      'invalid_params',
      `invalid key name ${JSON.stringify(input.name)}: 1–64 of A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  const groups = [...new Set(input.groups ?? [])];
  const bad = groups.find((g) => !GROUP_RE.test(g));
  if (bad !== undefined)
    throw new GatewayError('invalid_params', `invalid group name ${JSON.stringify(bad)}`);
  const { key, id, secret } = generateApiKey();
  const expiresAt = input.expiresInMs === undefined ? null : new Date(now.getTime() + input.expiresInMs);
  const { rows } = await sql.query<Row>(
    `INSERT INTO mcpgate_api_keys (id, name, groups, secret_hash, created_at, expires_at, created_by)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [
      id,
      input.name,
      JSON.stringify(groups),
      hashApiKeySecret(p, id, secret),
      now,
      expiresAt,
      input.createdBy ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw new GatewayError('internal', 'inserting the API key returned no row');
  return { key, record: publicRecord(fromRow(row)) };
}

/** One JSON shape for a key (never its secret), shared by `mcpgate keys` and the admin API. */
export function apiKeyJson(k: ApiKeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    groups: k.groups,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    createdBy: k.createdBy ?? null,
  };
}

export async function findApiKey(sql: SqlQueryable, id: string): Promise<StoredApiKey | undefined> {
  const { rows } = await sql.query<Row>(`SELECT ${COLUMNS} FROM mcpgate_api_keys WHERE id = $1`, [id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function listApiKeys(
  sql: SqlQueryable,
  options: { includeRevoked?: boolean } = {},
): Promise<ApiKeyRecord[]> {
  const where = options.includeRevoked ? '' : 'WHERE revoked_at IS NULL';
  const { rows } = await sql.query<Row>(
    `SELECT ${COLUMNS} FROM mcpgate_api_keys ${where} ORDER BY name, created_at`,
  );
  return rows.map((r) => publicRecord(fromRow(r)));
}

/**
 * Revokes by key id or by name (every live key of that name). Announces each revoked id so
 * running gateways evict it from their caches at once instead of after `cacheMaxAge`.
 */
export async function revokeApiKey(
  sql: SqlClient,
  target: { id: string } | { name: string },
  now: Date = new Date(),
): Promise<ApiKeyRecord[]> {
  const [column, value] = 'id' in target ? ['id', target.id] : ['name', target.name];
  const { rows } = await sql.query<Row>(
    `UPDATE mcpgate_api_keys SET revoked_at = $2 WHERE ${column} = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [value, now],
  );
  for (const r of rows) await sql.notify(API_KEY_REVOKED_CHANNEL, r.id);
  return rows.map((r) => publicRecord(fromRow(r)));
}

/** Best-effort bookkeeping for `keys list`; callers throttle it. */
export async function touchApiKey(sql: SqlQueryable, id: string, at: Date): Promise<void> {
  await sql.query('UPDATE mcpgate_api_keys SET last_used_at = $2 WHERE id = $1', [id, at]);
}
