import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Identity, JsonObject, Logger, SessionInfo } from '@mcpgate/core';

/** Audit event types of the HTTP face's security events (docs/audit.md describes their bodies). */
export const SECURITY_EVENT_TYPES = {
  authFailed: 'security.auth_failed',
  sessionHijack: 'security.session_hijack',
} as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[keyof typeof SECURITY_EVENT_TYPES];

/** One row for the audit trail: never a credential, only what identifies an attempt. */
export interface SecurityEvent {
  readonly type: SecurityEventType;
  /** Who presented it, when proven (a hijack attempt is made with a valid credential). */
  readonly subject?: string;
  readonly body: JsonObject;
}

export interface SecurityEventLimits {
  /** Aggregation window (default 60 s). */
  readonly windowMs: number;
  /** Distinct (type, source, reason) keys tracked per window (default 100); the rest share one row. */
  readonly maxKeys: number;
}

export const SECURITY_EVENT_LIMITS: SecurityEventLimits = { windowMs: 60_000, maxKeys: 100 };

interface Tally {
  readonly type: SecurityEventType;
  readonly subject: string | undefined;
  readonly body: JsonObject;
  /** Occurrences after the first (which was recorded at once). */
  more: number;
}

/**
 * Records authentication failures and session-hijack attempts without letting an attacker flood
 * the trail or the log: per window, the first occurrence of each (type, source IP, reason) is
 * recorded at once (`count: 1`), and the ones after it in one row at the window's end (`count: n`,
 * `windowStart`, `windowEnd`). Past `maxKeys` keys in a window, every further key is counted into
 * one row per type with source `*`. At most 2 × (maxKeys + 1) rows per type per window.
 */
export class SecurityEvents {
  private tallies = new Map<string, Tally>();
  private windowStart = new Date();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    private readonly record: ((e: SecurityEvent) => void | Promise<void>) | undefined,
    private readonly limits: SecurityEventLimits = SECURITY_EVENT_LIMITS,
  ) {
    this.timer = setInterval(() => this.flush(), limits.windowMs);
    this.timer.unref();
  }

  /** A request whose credential was refused (400/401/403). Requests with no credential are not failures. */
  authFailed(
    req: IncomingMessage,
    sourceIp: string | undefined,
    path: string,
    refusal: { status: number; error: string; description: string },
  ): void {
    const presented = presentedCredential(req.headers);
    if (!presented) return;
    this.report(SECURITY_EVENT_TYPES.authFailed, sourceIp, refusal.error, undefined, {
      reason: refusal.description,
      error: refusal.error,
      status: refusal.status,
      presented,
      ...requestFacts(req, sourceIp, path),
    });
  }

  /**
   * A browser sign-in the web console refused (an OIDC callback, a SAML response): no bearer
   * credential is involved, so `presented` says what was presented (kind, fingerprint — never the
   * value). Aggregated like every other failure, by source and error code.
   */
  signInRefused(
    req: IncomingMessage,
    sourceIp: string | undefined,
    path: string,
    refusal: { status: number; error: string; description: string; presented: JsonObject; subject?: string },
  ): void {
    this.report(SECURITY_EVENT_TYPES.authFailed, sourceIp, refusal.error, refusal.subject, {
      reason: refusal.description,
      error: refusal.error,
      status: refusal.status,
      presented: refusal.presented,
      ...requestFacts(req, sourceIp, path),
    });
  }

  /** A valid credential presented a session id that belongs to another identity. */
  sessionHijack(
    req: IncomingMessage,
    sourceIp: string | undefined,
    path: string,
    presenter: Identity,
    target: SessionInfo,
    transport: 'streamable-http' | 'sse',
  ): void {
    this.report(SECURITY_EVENT_TYPES.sessionHijack, sourceIp, 'foreign_session', presenter.subject, {
      reason: 'session id presented with the credential of another identity',
      transport,
      targetSession: target.id,
      owner: target.identity.subject,
      presented: {
        subject: presenter.subject,
        authMethod: presenter.authMethod,
        ...(presenter.keyName !== undefined && { keyName: presenter.keyName }),
        ...(presenter.issuer !== undefined && { issuer: presenter.issuer }),
        ...(presenter.tokenId !== undefined && { tokenId: presenter.tokenId }),
      },
      ...requestFacts(req, sourceIp, path),
    });
  }

  private report(
    type: SecurityEventType,
    sourceIp: string | undefined,
    reasonKey: string,
    subject: string | undefined,
    body: JsonObject,
  ): void {
    let key = `${type}\0${sourceIp ?? ''}\0${reasonKey}`;
    let tally = this.tallies.get(key);
    if (tally) {
      tally.more++;
      return;
    }
    if (this.tallies.size >= this.limits.maxKeys) {
      key = `${type}\0*`;
      tally = this.tallies.get(key);
      if (!tally) {
        tally = {
          type,
          subject: undefined,
          body: { reason: 'further sources and reasons (too many to record one by one)', sourceIp: '*' },
          more: 0,
        };
        this.tallies.set(key, tally);
      }
      tally.more++;
      return;
    }
    this.tallies.set(key, { type, subject, body, more: 0 });
    this.emit({ type, ...(subject !== undefined && { subject }), body: { ...body, count: 1 } });
  }

  /** Writes the window's aggregated rows and starts a new window (also called on close). */
  flush(now = new Date()): void {
    const tallies = this.tallies;
    const windowStart = this.windowStart;
    this.tallies = new Map();
    this.windowStart = now;
    for (const t of tallies.values()) {
      if (t.more === 0) continue;
      this.emit({
        type: t.type,
        ...(t.subject !== undefined && { subject: t.subject }),
        body: {
          ...t.body,
          aggregated: true,
          count: t.more,
          windowStart: windowStart.toISOString(),
          windowEnd: now.toISOString(),
        },
      });
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private emit(e: SecurityEvent): void {
    this.log.warn({ event: e.type, subject: e.subject, ...e.body }, securityMessage(e));
    if (!this.record) return;
    void Promise.resolve(this.record(e)).catch((err: unknown) =>
      this.log.error({ err: String(err), event: e.type }, 'could not record a security event'),
    );
  }
}

function securityMessage(e: SecurityEvent): string {
  const n = typeof e.body.count === 'number' && e.body.aggregated === true ? ` (${e.body.count} more)` : '';
  return e.type === SECURITY_EVENT_TYPES.authFailed
    ? `authentication failed${n}`
    : `session hijack attempt: a session id presented by another identity${n}`;
}

function requestFacts(req: IncomingMessage, sourceIp: string | undefined, path: string): JsonObject {
  const ua = req.headers['user-agent'];
  return {
    method: req.method ?? 'GET',
    path,
    ...(sourceIp !== undefined && { sourceIp }),
    ...(typeof ua === 'string' && { userAgent: ua.slice(0, 256) }),
  };
}

/**
 * What kind of credential was presented and a fingerprint to correlate attempts (the first 12 hex
 * digits of its SHA-256) — never the credential: a fingerprint of a high-entropy token or key
 * cannot be turned back into it.
 */
function presentedCredential(headers: IncomingMessage['headers']): JsonObject | undefined {
  const authz = headers.authorization;
  const apiKey = headers['x-api-key'];
  if (typeof authz === 'string' && authz.trim() !== '') {
    const [scheme = '', ...rest] = authz.trim().split(/\s+/);
    return {
      header: 'authorization',
      scheme: scheme.toLowerCase(),
      fingerprint: fingerprint(rest.join(' ')),
    };
  }
  if (typeof apiKey === 'string' && apiKey.trim() !== '') {
    return { header: 'x-api-key', fingerprint: fingerprint(apiKey.trim()) };
  }
  return undefined;
}

function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
}
