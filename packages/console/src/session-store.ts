import { createHash, randomBytes } from 'node:crypto';
import type { Identity, SqlClient } from '@mcpgate/core';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export const randomToken = (): string => randomBytes(32).toString('base64url');

export interface ConsoleSession {
  readonly identity: Identity;
  readonly csrfToken: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface PendingLogin {
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly returnTo: string;
}

interface SessionRow {
  identity: Identity | string;
  csrf_token: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

const asDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

/**
 * Console sign-in sessions and sign-ins in progress, in the store (any replica serves any
 * request). Only hashes of the browser's values are kept.
 */
export class ConsoleSessionStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly idleMs: number,
    private readonly absoluteMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates a session; returns the cookie value (shown to the browser only). */
  async create(identity: Identity): Promise<{ cookie: string; session: ConsoleSession }> {
    const cookie = randomToken();
    const csrfToken = randomToken();
    const now = this.clock();
    const expiresAt = new Date(now + this.absoluteMs);
    await this.sql.query(
      `INSERT INTO mcpgate_console_sessions (id_hash, subject, identity, csrf_token, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3::jsonb, $4, $5, $5, $6)`,
      [sha256(cookie), identity.subject, JSON.stringify(identity), csrfToken, new Date(now), expiresAt],
    );
    return { cookie, session: { identity, csrfToken, createdAt: new Date(now), expiresAt } };
  }

  /**
   * The live session for a cookie value, or undefined when unknown, ended, past its absolute
   * lifetime or idle too long. A use refreshes the idle clock (at most once a minute: fewer writes).
   */
  async get(cookie: string): Promise<ConsoleSession | undefined> {
    const hash = sha256(cookie);
    const r = await this.sql.query<SessionRow>(
      `SELECT identity, csrf_token, created_at, last_seen_at, expires_at
         FROM mcpgate_console_sessions WHERE id_hash = $1 AND ended_at IS NULL`,
      [hash],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const now = this.clock();
    const lastSeen = asDate(row.last_seen_at).getTime();
    const expiresAt = asDate(row.expires_at);
    if (now >= expiresAt.getTime() || now - lastSeen >= this.idleMs) {
      await this.end(cookie);
      return undefined;
    }
    if (now - lastSeen > 60_000)
      await this.sql.query('UPDATE mcpgate_console_sessions SET last_seen_at = $2 WHERE id_hash = $1', [
        hash,
        new Date(now),
      ]);
    const identity = typeof row.identity === 'string' ? (JSON.parse(row.identity) as Identity) : row.identity;
    return { identity, csrfToken: row.csrf_token, createdAt: asDate(row.created_at), expiresAt };
  }

  async end(cookie: string): Promise<void> {
    await this.sql.query(
      'UPDATE mcpgate_console_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL',
      [sha256(cookie), new Date(this.clock())],
    );
  }

  async saveLogin(state: string, login: PendingLogin): Promise<void> {
    // Sign-ins abandoned at the IdP are swept here, on the next sign-in: no timer needed.
    await this.sql.query('DELETE FROM mcpgate_console_logins WHERE created_at < $1', [
      new Date(this.clock() - 15 * 60_000),
    ]);
    await this.sql.query(
      `INSERT INTO mcpgate_console_logins (state_hash, code_verifier, nonce, return_to, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [sha256(state), login.codeVerifier, login.nonce, login.returnTo, new Date(this.clock())],
    );
  }

  /** Takes (reads and deletes) a sign-in in progress: a callback can be used once. */
  async takeLogin(state: string): Promise<PendingLogin | undefined> {
    const r = await this.sql.query<{
      code_verifier: string;
      nonce: string;
      return_to: string;
      created_at: Date | string;
    }>(
      'DELETE FROM mcpgate_console_logins WHERE state_hash = $1 RETURNING code_verifier, nonce, return_to, created_at',
      [sha256(state)],
    );
    const row = r.rows[0];
    if (!row || this.clock() - asDate(row.created_at).getTime() > 15 * 60_000) return undefined;
    return { codeVerifier: row.code_verifier, nonce: row.nonce, returnTo: row.return_to };
  }
}
