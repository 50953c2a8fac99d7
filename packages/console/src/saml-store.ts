import type { Identity, SqlClient } from '@mcpgate/core';
import { sha256 } from './session-store.js';

/** An AuthnRequest is answerable this long after it was sent (as an OIDC sign-in in progress). */
export const SAML_REQUEST_TTL_MS = 15 * 60_000;
/** The browser has this long between the IdP's POST and the same-site completion redirect. */
export const SAML_COMPLETION_TTL_MS = 5 * 60_000;

export interface SamlCompletion {
  readonly identity: Identity;
  readonly browserHash: string;
  readonly returnTo: string;
}

const asDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

/**
 * The store side of SAML sign-in (migration 0041): requests the console issued, their answers
 * waiting for the browser, and the assertion IDs already used. Every "use once" is a single
 * statement (DELETE/UPDATE … RETURNING, INSERT … ON CONFLICT), so two replicas receiving the same
 * POST cannot both accept it.
 */
export class SamlStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly clock: () => number = Date.now,
  ) {}

  private now(): Date {
    return new Date(this.clock());
  }

  async saveRequest(requestId: string, browserHash: string, returnTo: string): Promise<void> {
    // Abandoned sign-ins are swept here, on the next sign-in: no timer needed.
    await this.sql.query('DELETE FROM mcpgate_console_saml_requests WHERE created_at < $1', [
      new Date(this.clock() - SAML_REQUEST_TTL_MS),
    ]);
    await this.sql.query(
      `INSERT INTO mcpgate_console_saml_requests (request_id, browser_hash, return_to, created_at)
       VALUES ($1, $2, $3, $4)`,
      [requestId, browserHash, returnTo, this.now()],
    );
  }

  /**
   * When the request was issued, if it is ours and not too old (node-saml's cache lookup). An
   * answered one is still found, so that a second POST of the same response is refused as the
   * replay it is (by the assertion memory) rather than as unsolicited.
   */
  async requestIssuedAt(requestId: string): Promise<Date | undefined> {
    const r = await this.sql.query<{ created_at: Date | string }>(
      `SELECT created_at FROM mcpgate_console_saml_requests
        WHERE request_id = $1 AND created_at >= $2`,
      [requestId, new Date(this.clock() - SAML_REQUEST_TTL_MS)],
    );
    const row = r.rows[0];
    return row && asDate(row.created_at);
  }

  /**
   * Marks the request answered with this identity, under the hash of a one-time completion value.
   * False when it was already answered (or is unknown or too old): a request takes one answer.
   */
  async answerRequest(requestId: string, completion: string, identity: Identity): Promise<boolean> {
    const r = await this.sql.query(
      `UPDATE mcpgate_console_saml_requests
          SET answered_at = $2, completion_hash = $3, identity = $4::jsonb
        WHERE request_id = $1 AND answered_at IS NULL AND created_at >= $5
        RETURNING request_id`,
      [
        requestId,
        this.now(),
        sha256(completion),
        JSON.stringify(identity),
        new Date(this.clock() - SAML_REQUEST_TTL_MS),
      ],
    );
    return r.rows.length === 1;
  }

  /** Takes (reads and deletes) an answered request by its completion value: it completes once. */
  async takeCompletion(completion: string): Promise<SamlCompletion | undefined> {
    const r = await this.sql.query<{
      identity: Identity | string;
      browser_hash: string;
      return_to: string;
      answered_at: Date | string;
    }>(
      `DELETE FROM mcpgate_console_saml_requests WHERE completion_hash = $1
       RETURNING identity, browser_hash, return_to, answered_at`,
      [sha256(completion)],
    );
    const row = r.rows[0];
    if (!row || this.clock() - asDate(row.answered_at).getTime() > SAML_COMPLETION_TTL_MS) return undefined;
    const identity = typeof row.identity === 'string' ? (JSON.parse(row.identity) as Identity) : row.identity;
    return { identity, browserHash: row.browser_hash, returnTo: row.return_to };
  }

  /**
   * Remembers an assertion ID until `expiresAt`; false when it is already remembered (a replay).
   * Expired IDs are swept first: an assertion past its NotOnOrAfter is refused on its own.
   */
  async rememberAssertion(issuer: string, assertionId: string, expiresAt: Date): Promise<boolean> {
    await this.sql.query('DELETE FROM mcpgate_console_saml_assertions WHERE expires_at < $1', [this.now()]);
    const r = await this.sql.query(
      `INSERT INTO mcpgate_console_saml_assertions (assertion_hash, issuer, expires_at)
       VALUES ($1, $2, $3) ON CONFLICT (assertion_hash) DO NOTHING RETURNING assertion_hash`,
      [sha256(`${issuer}\0${assertionId}`), issuer, expiresAt],
    );
    return r.rows.length === 1;
  }
}
