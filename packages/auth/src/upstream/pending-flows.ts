import { createHash, randomBytes } from 'node:crypto';
import type { SqlQueryable } from '@mcpgate/core';
import type { ClientCredentials } from '../client/register.js';
import type { TokenSealer } from './token-seal.js';

/** What is sealed in a pending row: everything a replica needs to redirect and to exchange the code. */
export interface SealedFlow {
  /** The link's id, sealed so a user who calls again gets the same link (only its hash is a column). */
  readonly flowId: string;
  /** The authorization server's URL the browser is sent to (it carries `state` and the PKCE challenge). */
  readonly authorizationUrl: string;
  readonly verifier: string;
  /** The client the authorization was asked for (a dynamically registered one is per replica). */
  readonly client: ClientCredentials;
}

/** A pending authorization as read back: the sealed part opened. */
export interface PendingFlow extends SealedFlow {
  readonly subject: string;
  readonly principal: string;
  readonly upstream: string;
  readonly expiresAt: number;
  /** Hash of the flow cookie of the browser that opened `/oauth/start`, once one did. */
  readonly browserHash: string | undefined;
}

interface Row {
  subject: string;
  principal: string;
  upstream: string;
  key_id: string;
  wrapped_key: string;
  sealed: string;
  browser_hash: string | null;
  expires_at: Date | string;
}

const TABLE = 'mcpgate_oauth_pending';
const COLUMNS = 'subject, principal, upstream, key_id, wrapped_key, sealed, browser_hash, expires_at';

export const hashOf = (s: string): string => createHash('sha256').update(s).digest('hex');
export const randomId = (): string => randomBytes(32).toString('base64url');

/**
 * Authorizations in progress (migration 0051), in the store so that any replica serves the
 * browser's `/oauth/start` and `/oauth/callback`: the flow id of the link and `state` are kept only
 * as hashes, the PKCE verifier and client sealed under the same key as users' tokens.
 */
export class PendingFlowStore {
  constructor(
    private readonly sql: SqlQueryable,
    private readonly sealer: TokenSealer,
    private readonly now: () => number,
  ) {}

  async create(
    state: string,
    owner: { subject: string; principal: string; upstream: string },
    flow: SealedFlow,
    ttlMs: number,
  ): Promise<void> {
    // Abandoned authorizations are swept here, on the next start: no timer, any replica.
    await this.sql.query(`DELETE FROM ${TABLE} WHERE expires_at < $1`, [new Date(this.now())]);
    const { wrappedKey, sealed } = this.sealer.seal(flow, owner.subject, owner.upstream);
    await this.sql.query(
      `INSERT INTO ${TABLE} (flow_hash, state_hash, subject, principal, upstream, key_id, wrapped_key, sealed, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        hashOf(flow.flowId),
        hashOf(state),
        owner.subject,
        owner.principal,
        owner.upstream,
        this.sealer.keyId,
        wrappedKey,
        sealed,
        new Date(this.now() + ttlMs),
      ],
    );
  }

  /** The flow id of `principal`'s own pending authorization of `upstream` with at least `minLeftMs` left. */
  async reusable(
    subject: string,
    principal: string,
    upstream: string,
    minLeftMs: number,
  ): Promise<string | undefined> {
    const r = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM ${TABLE}
        WHERE subject = $1 AND principal = $2 AND upstream = $3 AND expires_at > $4
        ORDER BY expires_at DESC LIMIT 1`,
      [subject, principal, upstream, new Date(this.now() + minLeftMs)],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    return this.open(row).flowId;
  }

  /** A pending flow by its link's id, unexpired; it stays pending (the callback takes it). */
  async byFlow(flowId: string): Promise<PendingFlow | undefined> {
    const r = await this.sql.query<Row>(`SELECT ${COLUMNS} FROM ${TABLE} WHERE flow_hash = $1`, [
      hashOf(flowId),
    ]);
    return this.live(r.rows[0]);
  }

  /** Binds a flow to the browser that opened its link (the flow cookie's hash). */
  async bindBrowser(flowId: string, cookie: string): Promise<void> {
    await this.sql.query(`UPDATE ${TABLE} SET browser_hash = $2 WHERE flow_hash = $1`, [
      hashOf(flowId),
      hashOf(cookie),
    ]);
  }

  /** Takes (deletes and returns) the flow `state` names: a callback is answered once, by any replica. */
  async take(state: string): Promise<PendingFlow | undefined> {
    const r = await this.sql.query<Row>(`DELETE FROM ${TABLE} WHERE state_hash = $1 RETURNING ${COLUMNS}`, [
      hashOf(state),
    ]);
    return this.live(r.rows[0]);
  }

  private live(row: Row | undefined): PendingFlow | undefined {
    if (!row) return undefined;
    const expiresAt = (row.expires_at instanceof Date ? row.expires_at : new Date(row.expires_at)).getTime();
    if (expiresAt < this.now()) return undefined;
    const flow = this.open(row);
    return {
      flowId: flow.flowId,
      authorizationUrl: flow.authorizationUrl,
      verifier: flow.verifier,
      client: flow.client,
      subject: row.subject,
      principal: row.principal,
      upstream: row.upstream,
      expiresAt,
      browserHash: row.browser_hash ?? undefined,
    };
  }

  private open(row: Row): SealedFlow {
    return this.sealer.open(
      { keyId: row.key_id, wrappedKey: row.wrapped_key, sealed: row.sealed },
      row.subject,
      row.upstream,
    ) as SealedFlow;
  }
}
