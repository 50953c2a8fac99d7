import { randomUUID } from 'node:crypto';
import type { SqlQueryable } from '@mcpgate/core';
import type { SealedGrant } from './connections.js';
import type { TokenSealer } from './token-seal.js';

/**
 * How long a refresh lease holds. Longer than a token request may take (the HTTP client gives up
 * after 10 s), so a live holder never loses it; short enough that a crashed holder delays the
 * grant's next refresh by seconds only.
 */
export const LEASE_MS = 30_000;

const TABLE = 'mcpgate_oauth_connections';

interface SealedRow {
  key_id: string;
  wrapped_key: string;
  sealed: string;
}

/** What taking the lease found: the grant as stored now, someone else's lease, or no connection. */
export type Claim = { readonly grant: SealedGrant } | 'busy' | 'gone';

/**
 * The refresh lease on a user's connection (migration 0052): before a process presents a refresh
 * token it takes the row's lease with one conditional UPDATE, reads the grant as it is stored at
 * that moment (another replica may just have refreshed it), and writes the new grant back only
 * while it still holds the lease. So across replicas on one database exactly one refreshes a grant
 * at a time, and a rotated refresh token is never presented twice.
 */
export class GrantLeases {
  /** This process, as lease holder. */
  readonly owner = randomUUID();

  constructor(
    private readonly sql: SqlQueryable,
    private readonly sealer: TokenSealer,
    private readonly leaseMs = LEASE_MS,
  ) {}

  async claim(subject: string, upstream: string): Promise<Claim> {
    const r = await this.sql.query<SealedRow>(
      `UPDATE ${TABLE}
          SET refresh_lease_until = now() + ($3::int * interval '1 millisecond'), refresh_lease_owner = $4
        WHERE subject = $1 AND upstream = $2
          AND (refresh_lease_until IS NULL OR refresh_lease_until < now())
        RETURNING key_id, wrapped_key, sealed`,
      [subject, upstream, this.leaseMs, this.owner],
    );
    const row = r.rows[0];
    if (row) {
      const grant = this.sealer.open(
        { keyId: row.key_id, wrappedKey: row.wrapped_key, sealed: row.sealed },
        subject,
        upstream,
      ) as SealedGrant;
      return { grant };
    }
    const there = await this.sql.query(`SELECT 1 FROM ${TABLE} WHERE subject = $1 AND upstream = $2`, [
      subject,
      upstream,
    ]);
    return there.rows.length > 0 ? 'busy' : 'gone';
  }

  /** Gives the lease back without a change (the grant did not need a refresh, or it failed). */
  async release(subject: string, upstream: string): Promise<void> {
    await this.sql.query(
      `UPDATE ${TABLE} SET refresh_lease_until = NULL, refresh_lease_owner = NULL
        WHERE subject = $1 AND upstream = $2 AND refresh_lease_owner = $3`,
      [subject, upstream, this.owner],
    );
  }

  /**
   * Stores the refreshed grant and gives the lease back in one statement. False when the row is
   * gone (revoked meanwhile: a revoked connection must not come back) or the lease was lost.
   */
  async store(subject: string, upstream: string, grant: SealedGrant): Promise<boolean> {
    const { wrappedKey, sealed } = this.sealer.seal(grant, subject, upstream);
    const r = await this.sql.query(
      `UPDATE ${TABLE}
          SET key_id = $4, wrapped_key = $5, sealed = $6, client_id = $7, scope = $8, expires_at = $9,
              refreshed_at = now(), refresh_lease_until = NULL, refresh_lease_owner = NULL
        WHERE subject = $1 AND upstream = $2 AND refresh_lease_owner = $3`,
      [
        subject,
        upstream,
        this.owner,
        this.sealer.keyId,
        wrappedKey,
        sealed,
        grant.client.clientId,
        grant.scope ?? null,
        grant.expiresAt === undefined ? null : new Date(grant.expiresAt),
      ],
    );
    return r.rowCount > 0;
  }
}
