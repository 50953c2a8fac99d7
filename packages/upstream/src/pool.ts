import type { Implementation } from '@modelcontextprotocol/client';
import {
  GatewayError,
  type Logger,
  type SessionInfo,
  type UpstreamCatalog,
  type UpstreamEvent,
  type UpstreamPool,
  type UpstreamSpec,
  type UpstreamStatus,
} from '@mcpgate/core';
import type { CallLink, UpstreamConnection } from '@mcpgate/core';
import { PerUserUpstream } from './oauth/per-user.js';
import { UpstreamSupervisor } from './supervisor.js';

export interface UpstreamPoolOptions {
  readonly specs: readonly UpstreamSpec[];
  readonly logger: Logger;
  /** How the gateway introduces itself to upstreams (`initialize` clientInfo / modern `_meta`). */
  readonly clientInfo?: Implementation;
}

const DEFAULT_CLIENT_INFO: Implementation = { name: 'mcpgate', version: '0.1.0' };

/** The pool the gateway core drives: one supervisor per configured upstream. */
export class McpUpstreamPool implements UpstreamPool {
  private readonly upstreams = new Map<string, UpstreamSupervisor | PerUserUpstream>();
  private readonly listeners: Array<(event: UpstreamEvent) => void> = [];
  private readonly logger: Logger;

  constructor(opts: UpstreamPoolOptions) {
    this.logger = opts.logger;
    const info = opts.clientInfo ?? DEFAULT_CLIENT_INFO;
    for (const spec of opts.specs) {
      if (this.upstreams.has(spec.name)) {
        throw new GatewayError('internal', `upstream "${spec.name}" is configured twice`);
      }
      const emit = (e: UpstreamEvent): void => this.emit(e);
      this.upstreams.set(
        spec.name,
        spec.userAuth
          ? new PerUserUpstream(spec, opts.logger, info, emit)
          : new UpstreamSupervisor(spec, opts.logger, info, emit),
      );
    }
  }

  /** Starts every upstream in parallel; resolves when each is `ready` or `failed` — one never blocks another. */
  async start(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.start()));
  }

  names(): readonly string[] {
    return [...this.upstreams.keys()];
  }

  prefix(upstream: string): string {
    return this.get(upstream).spec.prefix;
  }

  connection(upstream: string, session: SessionInfo, link?: CallLink): Promise<UpstreamConnection> {
    const u = this.get(upstream);
    return u instanceof PerUserUpstream ? u.connection(session, link) : u.connection(session);
  }

  catalog(upstream: string): UpstreamCatalog {
    return this.get(upstream).catalog();
  }

  status(): readonly UpstreamStatus[] {
    return [...this.upstreams.values()].map((u) => u.status());
  }

  onEvent(listener: (event: UpstreamEvent) => void): void {
    this.listeners.push(listener);
  }

  async closeSession(sessionId: string): Promise<void> {
    await Promise.allSettled([...this.upstreams.values()].map((u) => u.closeSession(sessionId)));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.upstreams.values()].map((u) => u.close()));
  }

  private get(upstream: string): UpstreamSupervisor | PerUserUpstream {
    const u = this.upstreams.get(upstream);
    if (!u) {
      throw new GatewayError('upstream_unavailable', `no upstream named "${upstream}" is configured`, {
        data: { upstream },
      });
    }
    return u;
  }

  private emit(event: UpstreamEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error(
          { err, event: event.type, upstream: event.upstream },
          'upstream event listener threw',
        );
      }
    }
  }
}

/** Creates the upstream pool for the given (already normalized) upstream specs. */
export function createUpstreamPool(opts: UpstreamPoolOptions): McpUpstreamPool {
  return new McpUpstreamPool(opts);
}
