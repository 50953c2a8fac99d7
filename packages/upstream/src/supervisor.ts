import type { Implementation, PriorDiscovery } from '@modelcontextprotocol/client';
import {
  EMPTY_CATALOG,
  GatewayError,
  type CatalogKind,
  type Era,
  type Logger,
  type SessionInfo,
  type UpstreamCatalog,
  type UpstreamEvent,
  type UpstreamSpec,
  type UpstreamState,
  type UpstreamStatus,
} from '@mcpgate/core';
import { backoffDelay, sleep } from './backoff.js';
import { fetchCatalog, fetchKinds } from './catalog.js';
import { McpUpstreamConnection, type ConnectionHooks } from './connection.js';
import { describeReason, describeStartError } from './errors.js';

/** A connection that stayed up this long resets the consecutive-restart count. */
const STABLE_MS = 10_000;
const ALL_KINDS: readonly CatalogKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

/**
 * Owns one upstream: its main connection (the shared one, or for `per-session` the probe that feeds
 * the catalog), its per-session connections, its catalog, and its restarts.
 *
 * States: `starting` → `ready`; on loss `restarting` (the last catalog is kept, so a call gets a
 * clear "restarting" error rather than "unknown tool") → `ready` again, or `failed` after
 * `restart.maxRestarts` attempts in a row (catalog emptied). A failed upstream keeps being retried
 * in the background at the capped delay unless `maxRestarts` is 0.
 */
export class UpstreamSupervisor {
  private state: UpstreamState = 'stopped';
  private era: Era | undefined;
  private lastError: string | undefined;
  private restarts = 0;
  private attempts = 0;
  private readyAt = 0;
  private current: UpstreamCatalog = EMPTY_CATALOG;
  private main: McpUpstreamConnection | undefined;
  private readonly sessions = new Map<
    string,
    { pending: Promise<McpUpstreamConnection>; conn?: McpUpstreamConnection }
  >();
  private connecting: Promise<boolean> | undefined;
  private started: Promise<void> | undefined;
  /** True while the main connection is being opened and its first catalog fetched. */
  private opening = false;
  private readonly missed = new Set<CatalogKind>();
  private readonly stop = new AbortController();
  private readyWaiters: Array<() => void> = [];
  private retrying = false;
  private readonly refreshing = new Map<string, { again: boolean }>();
  private readonly log: Logger;

  constructor(
    readonly spec: UpstreamSpec,
    logger: Logger,
    private readonly clientInfo: Implementation,
    private readonly emit: (event: UpstreamEvent) => void,
  ) {
    this.log = logger.child({ upstream: spec.name });
  }

  /** First connection attempt; never rejects — a failure leaves the upstream `failed` and retrying. */
  async start(): Promise<void> {
    if (this.started) return this.started;
    this.started = this.startOnce();
    return this.started;
  }

  private async startOnce(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.state = 'starting';
    if (await this.connectMain()) return;
    if (this.stop.signal.aborted) {
      this.state = 'stopped';
      return;
    }
    this.state = 'failed';
    this.scheduleRetry();
  }

  catalog(): UpstreamCatalog {
    return this.current;
  }

  status(): UpstreamStatus {
    return {
      name: this.spec.name,
      state: this.state,
      ...(this.era === undefined ? {} : { era: this.era }),
      transport: this.spec.transport,
      sharing: this.spec.sharing,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      restarts: this.restarts,
    };
  }

  async connection(session: SessionInfo): Promise<McpUpstreamConnection> {
    if (this.stop.signal.aborted) throw this.unavailable('the gateway is shutting down');
    if (this.spec.sharing === 'per-session') return this.sessionConnection(session.id);
    if (this.state === 'starting' || this.state === 'restarting')
      await this.whenReady(this.spec.startTimeoutMs);
    const conn = this.main;
    if (this.state === 'ready' && conn?.alive) return conn;
    throw this.unavailable(
      this.state === 'failed'
        ? `it failed${this.lastError ? `: ${this.lastError}` : ''}`
        : `it is ${this.state}${this.lastError ? ` (last error: ${this.lastError})` : ''}`,
    );
  }

  /** The per-session connection of `sessionId`, opened on first use. */
  async sessionConnection(sessionId: string): Promise<McpUpstreamConnection> {
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      const pending = McpUpstreamConnection.open({
        spec: this.spec,
        logger: this.log,
        clientInfo: this.clientInfo,
        sessionId,
        hooks: this.hooksFor(sessionId),
        signal: this.stop.signal,
        ...(this.spec.era === 'auto' && this.main?.alive ? withPrior(this.main.verdict()) : {}),
      });
      const created: { pending: Promise<McpUpstreamConnection>; conn?: McpUpstreamConnection } = { pending };
      entry = created;
      this.sessions.set(sessionId, created);
      pending.then(
        (conn) => (created.conn = conn),
        () => {
          if (this.sessions.get(sessionId) === created) this.sessions.delete(sessionId);
        },
      );
    }
    try {
      return await entry.pending;
    } catch (err) {
      throw this.unavailable(`its per-session connection could not start: ${describeStartError(err)}`);
    }
  }

  async closeSession(sessionId: string): Promise<void> {
    const entry = this.sessions.get(sessionId);
    if (!entry) return;
    this.sessions.delete(sessionId);
    const conn = await entry.pending.catch(() => undefined);
    await conn?.close();
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.state = 'stopped';
    this.wake();
    const sessions = [...this.sessions.keys()].map((id) => this.closeSession(id));
    // A connection being opened right now is aborted by `stop` and reaped before this resolves.
    await Promise.allSettled([this.connecting, this.main?.close(), ...sessions]);
    await this.main?.close();
  }

  private connectMain(): Promise<boolean> {
    const attempt = this.connectMainOnce();
    this.connecting = attempt;
    return attempt;
  }

  private async connectMainOnce(): Promise<boolean> {
    let conn: McpUpstreamConnection | undefined;
    this.opening = true;
    this.missed.clear();
    try {
      conn = await McpUpstreamConnection.open({
        spec: this.spec,
        logger: this.log,
        clientInfo: this.clientInfo,
        hooks: this.hooksFor(undefined),
        signal: this.stop.signal,
      });
      const catalog = await fetchCatalog(conn, this.stop.signal);
      if (this.stop.signal.aborted) {
        this.opening = false;
        await conn.close();
        return false;
      }
      this.main = conn;
      this.current = catalog;
      this.era = conn.era;
      this.state = 'ready';
      this.lastError = undefined;
      this.readyAt = Date.now();
      this.opening = false;
      this.wake();
      if (this.missed.size > 0) {
        const missed = [...this.missed];
        this.missed.clear();
        this.refresh(missed);
      }
      return true;
    } catch (err) {
      this.opening = false;
      await conn?.close();
      if (this.stop.signal.aborted) return false;
      this.lastError = describeStartError(err);
      this.log.error({ err: this.lastError }, 'upstream could not start');
      return false;
    }
  }

  private hooksFor(sessionId: string | undefined): ConnectionHooks {
    return {
      onListChanged: (kind) =>
        this.refresh(kind === 'resources' ? ['resources', 'resourceTemplates'] : [kind]),
      onEvent: (event) => {
        // The per-session catalog probe serves no session: its logs and resource updates belong to
        // nobody, so they go to our log instead of every client.
        if (sessionId === undefined && this.spec.sharing === 'per-session') {
          this.log.debug({ event: event.type }, 'event from the catalog probe connection, not relayed');
          return;
        }
        this.emit(event);
      },
      onLost: (conn, reason) => {
        if (sessionId !== undefined) {
          // The session's next call opens a fresh connection; its in-flight calls already failed.
          if (this.sessions.get(sessionId)?.conn === conn) this.sessions.delete(sessionId);
          return;
        }
        if (conn !== this.main || this.stop.signal.aborted) return;
        this.lastError = `connection lost: ${describeReason(reason)}`;
        if (Date.now() - this.readyAt > STABLE_MS) this.attempts = 0;
        this.state = this.spec.restart.maxRestarts === 0 ? 'failed' : 'restarting';
        if (this.state === 'failed') this.markFailed();
        this.scheduleRetry();
      },
    };
  }

  /** Re-fetches the given kinds from the main connection, then emits (after the catalog changed). */
  private refresh(kinds: readonly CatalogKind[]): void {
    if (this.opening) {
      // A change announced while the main connection's first catalog is being fetched may not be in
      // it: fetch those kinds again once the connection is installed.
      for (const k of kinds) this.missed.add(k);
      return;
    }
    const key = kinds.join(',');
    const running = this.refreshing.get(key);
    if (running) {
      running.again = true;
      return;
    }
    const slot = { again: false };
    this.refreshing.set(key, slot);
    void (async () => {
      try {
        do {
          slot.again = false;
          const conn = this.main;
          if (!conn?.alive) return;
          const fresh = await fetchKinds(conn, kinds, this.stop.signal);
          if (conn !== this.main) return;
          this.current = { ...this.current, ...fresh };
          for (const kind of kinds) this.emit({ type: 'list_changed', upstream: this.spec.name, kind });
        } while (slot.again);
      } catch (err) {
        // At shutdown the connection closes under a refresh in flight: expected, not a warning.
        const level = this.stop.signal.aborted ? 'debug' : 'warn';
        this.log[level]({ err: describeStartError(err), kinds }, 'refreshing the catalog failed');
      } finally {
        this.refreshing.delete(key);
      }
    })();
  }

  private scheduleRetry(): void {
    if (this.retrying || this.spec.restart.maxRestarts === 0) return;
    this.retrying = true;
    void (async () => {
      try {
        while (!this.stop.signal.aborted) {
          this.attempts += 1;
          const { maxRestarts, initialDelayMs, maxDelayMs } = this.spec.restart;
          if (this.attempts > maxRestarts && this.state !== 'failed') {
            this.state = 'failed';
            this.markFailed();
          }
          await sleep(backoffDelay(this.attempts, initialDelayMs, maxDelayMs), this.stop.signal);
          if (this.stop.signal.aborted) return;
          this.restarts += 1;
          this.log.info({ attempt: this.attempts }, 'restarting upstream');
          if (await this.connectMain()) {
            for (const kind of ALL_KINDS) this.emit({ type: 'list_changed', upstream: this.spec.name, kind });
            return;
          }
        }
      } finally {
        this.retrying = false;
      }
    })();
  }

  /** Failed: its tools are absent until it comes back. */
  private markFailed(): void {
    this.wake();
    if (this.current === EMPTY_CATALOG) return;
    this.current = EMPTY_CATALOG;
    for (const kind of ALL_KINDS) this.emit({ type: 'list_changed', upstream: this.spec.name, kind });
  }

  private whenReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      this.readyWaiters.push(done);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private wake(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  private unavailable(why: string): GatewayError {
    return new GatewayError('upstream_unavailable', `upstream "${this.spec.name}" is unavailable: ${why}`, {
      data: { upstream: this.spec.name, state: this.state },
    });
  }
}

function withPrior(prior: PriorDiscovery | undefined): { prior?: PriorDiscovery } {
  return prior ? { prior } : {};
}
