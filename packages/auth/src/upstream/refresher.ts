import { errorMessage } from '../http.js';
import type { Logger } from '@mcpgate/core';
import type { SealedGrant } from './connections.js';

/** A token is due for a refresh when less than this (or half its lifetime) remains. */
const EARLY_REFRESH_MS = 60_000;
/** A token without `expires_in` is used for this long before a refresh is tried. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;
/** The background refresh runs this much (at most a quarter of the lifetime) before a call would. */
const BACKGROUND_LEAD_MS = 5_000;
/** After a failed background attempt (the server unreachable), retry after this. */
const RETRY_MS = 5_000;
/** Another process holds the refresh lease: look again this much later (it is usually done by then). */
const BUSY_RETRY_MS = 1_000;
/** The timer never sleeps longer (so users gone idle are forgotten) nor shorter than these. */
const MAX_SLEEP_MS = 60_000;
const MIN_SLEEP_MS = 100;

/** Epoch ms from which a call refreshes the grant before using it (the `isDue` rule). */
export function dueAt(g: SealedGrant): number {
  if (g.expiresAt === undefined) return g.obtainedAt + UNKNOWN_LIFETIME_MS;
  const lifetime = g.expiresAt - g.obtainedAt;
  return g.expiresAt - Math.min(EARLY_REFRESH_MS, lifetime / 2);
}

/** Epoch ms from which the background refresher renews it: the same rule, a little earlier. */
export function backgroundDueAt(g: SealedGrant): number {
  const lifetime = (g.expiresAt ?? g.obtainedAt + UNKNOWN_LIFETIME_MS) - g.obtainedAt;
  return dueAt(g) - Math.min(BACKGROUND_LEAD_MS, lifetime / 4);
}

/**
 * What one background attempt came to: the grant as it now is (refreshed here, by another replica,
 * or not due after all), `busy` (another process holds the lease), or `gone` (no connection).
 */
export type AheadResult = SealedGrant | 'busy' | 'gone';

export interface RefresherOptions {
  /** Refreshes the grant if it is due by the background rule; throws when that failed. */
  readonly refreshAhead: (upstream: string, subject: string) => Promise<AheadResult>;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Entry {
  readonly upstream: string;
  readonly subject: string;
  lastUsed: number;
  idleMs: number;
  /** When the grant as last seen is due for a background refresh. */
  due: number;
  /** Not before this (a failed attempt, or another process refreshing it, waits a little). */
  notBefore: number;
}

function lookAt(e: Entry): number {
  return Math.max(e.due, e.notBefore);
}

/**
 * Keeps the per-user grants in use fresh without waiting for a call: one timer for all of them
 * (unref'd, so it never keeps the process alive), set for the earliest grant due. A grant is
 * refreshed in the background only while its user is active — used within their upstream's idle
 * timeout and their connection not closed for idleness — so the first call after a pause does not
 * pay the refresh and no token expires in flight, while the tokens of users who left are not kept
 * alive forever (their next call refreshes on the spot, or asks them to authorize again).
 */
export class GrantRefresher {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: RefresherOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `subject` just used `g` for `upstream`: keep it fresh for `idleMs` from now. */
  touch(upstream: string, subject: string, g: SealedGrant, idleMs: number): void {
    if (this.stopped) return;
    const k = key(upstream, subject);
    const entry = this.entries.get(k) ?? { upstream, subject, lastUsed: 0, idleMs, due: 0, notBefore: 0 };
    entry.lastUsed = this.now();
    entry.idleMs = idleMs;
    entry.due = backgroundDueAt(g);
    this.entries.set(k, entry);
    this.schedule(lookAt(entry));
  }

  /** Stops refreshing this grant (revoked, refused, or the user's connection closed for idleness). */
  forget(upstream: string, subject: string): void {
    this.entries.delete(key(upstream, subject));
  }

  /** Number of grants kept fresh, for tests and status. */
  get size(): number {
    return this.entries.size;
  }

  /** Stops the timer and waits for a refresh under way (its audit event is still recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(at: number): void {
    if (this.stopped || this.running) return; // a running pass schedules the next when it ends
    const when = Math.max(at, this.now() + MIN_SLEEP_MS);
    if (this.timer && when >= this.wakeAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = when;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.rearm();
      });
    }, when - this.now());
    this.timer.unref();
  }

  private rearm(): void {
    if (this.stopped || this.entries.size === 0) return;
    let next = this.now() + MAX_SLEEP_MS;
    for (const e of this.entries.values()) next = Math.min(next, lookAt(e), e.lastUsed + e.idleMs);
    this.schedule(next);
  }

  /** One pass: forgets idle users, refreshes what is due (one at a time: few are due at once). */
  private async pass(): Promise<void> {
    for (const [k, e] of [...this.entries]) {
      if (this.stopped) return;
      const now = this.now();
      if (now - e.lastUsed > e.idleMs) {
        this.entries.delete(k);
        continue;
      }
      if (lookAt(e) > now) continue;
      try {
        const result = await this.options.refreshAhead(e.upstream, e.subject);
        if (result === 'gone') this.entries.delete(k);
        else if (result === 'busy') e.notBefore = this.now() + BUSY_RETRY_MS;
        else {
          e.due = backgroundDueAt(result);
          e.notBefore = 0;
        }
      } catch (err) {
        // The refresh failed and was audited; a refused grant is gone (its next look finds it so).
        e.notBefore = this.now() + RETRY_MS;
        this.options.logger.debug(
          { upstream: e.upstream, subject: e.subject, err: errorMessage(err) },
          'background token refresh failed; retrying',
        );
      }
    }
  }
}

function key(upstream: string, subject: string): string {
  return `${upstream}\0${subject}`;
}
