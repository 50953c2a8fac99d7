import type { SqlQueryable } from '@mcpgate/core';
import type { ClientCredentials } from '../client/register.js';
import type { TokenSealer } from './token-seal.js';

/** What is sealed in a row: the tokens and the client they were issued to (needed to refresh). */
export interface SealedGrant {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Epoch ms. */
  readonly expiresAt?: number;
  /** Epoch ms the access token was obtained (its lifetime decides when to refresh). */
  readonly obtainedAt: number;
  readonly scope?: string;
  readonly client: ClientCredentials;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint?: string;
  readonly resource: string;
}

/** A connection as listed: no token, no secret. */
export interface OAuthConnection {
  readonly subject: string;
  readonly upstream: string;
  readonly issuer: string | undefined;
  readonly clientId: string | undefined;
  readonly scope: string | undefined;
  readonly expiresAt: Date | undefined;
  readonly createdAt: Date;
  readonly refreshedAt: Date | undefined;
}

interface Row {
  subject: string;
  upstream: string;
  key_id: string;
  wrapped_key: string;
  sealed: string;
  issuer: string | null;
  client_id: string | null;
  scope: string | null;
  expires_at: Date | string | null;
  created_at: Date | string;
  refreshed_at: Date | string | null;
}

const TABLE = 'mcpgate_oauth_connections';
const LISTED = 'subject, upstream, issuer, client_id, scope, expires_at, created_at, refreshed_at';

function date(v: Date | string | null): Date | undefined {
  return v === null ? undefined : v instanceof Date ? v : new Date(v);
}

function listed(r: Row): OAuthConnection {
  return {
    subject: r.subject,
    upstream: r.upstream,
    issuer: r.issuer ?? undefined,
    clientId: r.client_id ?? undefined,
    scope: r.scope ?? undefined,
    expiresAt: date(r.expires_at),
    createdAt: date(r.created_at) ?? new Date(0),
    refreshedAt: date(r.refreshed_at),
  };
}

/** The per-user connections table (migration 0050): sealed grants keyed by (subject, upstream). */
export class ConnectionStore {
  constructor(
    private readonly sql: SqlQueryable,
    private readonly sealer: TokenSealer,
  ) {}

  async get(subject: string, upstream: string): Promise<SealedGrant | undefined> {
    const r = await this.sql.query<Row>(
      `SELECT key_id, wrapped_key, sealed FROM ${TABLE} WHERE subject = $1 AND upstream = $2`,
      [subject, upstream],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return this.sealer.open(
      { keyId: row.key_id, wrappedKey: row.wrapped_key, sealed: row.sealed },
      subject,
      upstream,
    ) as SealedGrant;
  }

  /** Inserts or replaces; `refreshed` marks a refresh (keeps `created_at`). */
  async put(
    subject: string,
    upstream: string,
    grant: SealedGrant,
    meta: { issuer: string; refreshed: boolean },
  ): Promise<void> {
    const { wrappedKey, sealed } = this.sealer.seal(grant, subject, upstream);
    await this.sql.query(
      `INSERT INTO ${TABLE} (subject, upstream, key_id, wrapped_key, sealed, issuer, client_id, scope, expires_at, refreshed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (subject, upstream) DO UPDATE SET
         key_id = EXCLUDED.key_id, wrapped_key = EXCLUDED.wrapped_key, sealed = EXCLUDED.sealed,
         issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, scope = EXCLUDED.scope,
         expires_at = EXCLUDED.expires_at, refreshed_at = EXCLUDED.refreshed_at,
         refresh_lease_until = NULL, refresh_lease_owner = NULL,
         created_at = CASE WHEN EXCLUDED.refreshed_at IS NULL THEN now() ELSE ${TABLE}.created_at END`,
      [
        subject,
        upstream,
        this.sealer.keyId,
        wrappedKey,
        sealed,
        meta.issuer,
        grant.client.clientId,
        grant.scope ?? null,
        grant.expiresAt === undefined ? null : new Date(grant.expiresAt),
        meta.refreshed ? new Date() : null,
      ],
    );
  }

  /** Deletes; returns whether a row was there and its grant when it still opens (to revoke it at the server). */
  async remove(subject: string, upstream: string): Promise<{ removed: boolean; grant?: SealedGrant }> {
    const grant = await this.get(subject, upstream).catch(() => undefined);
    const r = await this.sql.query(`DELETE FROM ${TABLE} WHERE subject = $1 AND upstream = $2`, [
      subject,
      upstream,
    ]);
    return { removed: r.rowCount > 0, ...(grant !== undefined && { grant }) };
  }

  async exists(subject: string, upstream: string): Promise<boolean> {
    const r = await this.sql.query(`SELECT 1 FROM ${TABLE} WHERE subject = $1 AND upstream = $2`, [
      subject,
      upstream,
    ]);
    return r.rows.length > 0;
  }

  async list(filter: { subject?: string; upstream?: string } = {}): Promise<OAuthConnection[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.subject !== undefined) {
      params.push(filter.subject);
      where.push(`subject = $${params.length}`);
    }
    if (filter.upstream !== undefined) {
      params.push(filter.upstream);
      where.push(`upstream = $${params.length}`);
    }
    const r = await this.sql.query<Row>(
      `SELECT ${LISTED} FROM ${TABLE}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY subject, upstream`,
      params,
    );
    return r.rows.map(listed);
  }
}
