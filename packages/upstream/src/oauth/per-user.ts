import type { Implementation } from '@modelcontextprotocol/client';
import {
  GatewayError,
  type CallLink,
  type CatalogKind,
  type JsonObject,
  type Logger,
  type SessionInfo,
  type UpstreamCatalog,
  type UpstreamConnection,
  type UpstreamEvent,
  type UpstreamRequestOptions,
  type UpstreamSpec,
  type UpstreamStatus,
  type UpstreamUserAuth,
} from '@mcpgate/core';
import { fetchCatalog, fetchKinds } from '../catalog.js';
import { McpUpstreamConnection } from '../connection.js';
import { describeStartError } from '../errors.js';

/** The tool listed while nobody has connected yet: calling it starts the caller's authorization. */
export const CONNECT_TOOL = 'connect';

/** A user's connection idle this long closes, unless `oauth.idleTimeout` says otherwise. */
const DEFAULT_IDLE_MS = 15 * 60_000;

/** A user's own connection, and what its idle timeout is measured from. */
interface UserEntry {
  pending: Promise<McpUpstreamConnection>;
  conn?: McpUpstreamConnection;
  /** Epoch ms of the last call's start or end. */
  lastUsed: number;
  /** Calls under way: a connection is never idle while one runs, however long. */
  active: number;
}

/**
 * An upstream every user reaches with their own OAuth token (`oauth.grant: authorization_code`).
 *
 * Why one connection per user rather than one shared connection with a per-request header: a
 * legacy upstream binds its `Mcp-Session-Id` (and the GET stream it pushes on) to the token that
 * opened it, so requests of different users must not share a session; a connection of their own
 * also keeps one user's server→client requests and notifications away from every other user.
 *
 * The gateway holds no token of its own for this upstream, so it cannot list its tools before a
 * user has connected: until then it lists one tool, `<prefix>__connect`, whose call starts the
 * caller's authorization. The first user connection fetches the real catalog (with that user's own
 * token, in that user's call) and announces the change; later connections refresh it.
 */
export class PerUserUpstream {
  private readonly users = new Map<string, UserEntry>();
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private current: UpstreamCatalog;
  private known = false;
  private lastError: string | undefined;
  private readonly stop = new AbortController();
  private readonly log: Logger;
  private readonly auth: UpstreamUserAuth;

  constructor(
    readonly spec: UpstreamSpec,
    logger: Logger,
    private readonly clientInfo: Implementation,
    private readonly emit: (event: UpstreamEvent) => void,
  ) {
    if (!spec.userAuth)
      throw new GatewayError('internal', `upstream "${spec.name}" has no per-user authorization`);
    this.auth = spec.userAuth;
    this.idleMs =
      spec.oauth && spec.oauth.grant !== 'client_credentials'
        ? (spec.oauth.idleTimeoutMs ?? DEFAULT_IDLE_MS)
        : DEFAULT_IDLE_MS;
    this.log = logger.child({ upstream: spec.name });
    this.current = connectCatalog(spec.name);
    this.auth.onEnded((subject) => void this.closeUser(subject, 'its authorization ended'));
  }

  /** Nothing to start: connections open per user, on their first call. */
  async start(): Promise<void> {}

  catalog(): UpstreamCatalog {
    return this.current;
  }

  status(): UpstreamStatus {
    return {
      name: this.spec.name,
      state: this.stop.signal.aborted ? 'stopped' : 'ready',
      transport: this.spec.transport,
      sharing: this.spec.sharing,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      restarts: 0,
    };
  }

  /** The caller's own connection; their authorization is asked for first when they have none. */
  async connection(session: SessionInfo, link?: CallLink): Promise<UpstreamConnection> {
    if (this.stop.signal.aborted) throw this.unavailable('the gateway is shutting down');
    const subject = session.identity.subject;
    await this.auth.ensure(session.identity, link);
    // Refreshed here, before the request: a refused refresh then reaches the caller as what it is
    // (authorize again), not as a transport failure of the request it happened under.
    await this.auth.headers(subject);
    const conn = await this.userConnection(subject);
    const entry = this.users.get(subject);
    if (entry) entry.lastUsed = Date.now();
    return new ConnectAware(conn, this.spec.name, () => this.knowsConnect(), {
      begin: () => {
        if (entry) entry.active += 1;
      },
      end: () => {
        if (!entry) return;
        entry.active -= 1;
        entry.lastUsed = Date.now();
      },
    });
  }

  async closeSession(): Promise<void> {
    // Connections belong to users, not sessions: a user's next session reuses theirs.
  }

  async close(): Promise<void> {
    this.stop.abort();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await Promise.allSettled([...this.users.keys()].map((s) => this.closeUser(s)));
  }

  private knowsConnect(): boolean {
    return this.current.tools.some((t) => t.name === CONNECT_TOOL && this.known);
  }

  private async userConnection(subject: string): Promise<McpUpstreamConnection> {
    let entry = this.users.get(subject);
    if (!entry?.conn?.alive && entry?.conn) {
      this.users.delete(subject);
      entry = undefined;
    }
    if (!entry) {
      const created: UserEntry = { pending: this.open(subject), lastUsed: Date.now(), active: 0 };
      this.startSweeper();
      entry = created;
      this.users.set(subject, created);
      created.pending.then(
        (conn) => (created.conn = conn),
        () => {
          if (this.users.get(subject) === created) this.users.delete(subject);
        },
      );
    }
    try {
      return await entry.pending;
    } catch (err) {
      this.lastError = describeStartError(err);
      throw this.unavailable(`the connection for this user could not start: ${this.lastError}`);
    }
  }

  private async open(subject: string): Promise<McpUpstreamConnection> {
    const auth = this.auth;
    const conn = await McpUpstreamConnection.open({
      // This user's token on every HTTP request of this connection, and nobody else's.
      spec: { ...this.spec, authorize: (options?: { renew?: boolean }) => auth.headers(subject, options) },
      logger: this.log,
      clientInfo: this.clientInfo,
      hooks: {
        onListChanged: (kind) =>
          this.refresh(conn, kind === 'resources' ? ['resources', 'resourceTemplates'] : [kind]),
        onEvent: (event) => {
          // Only what concerns a call is relayed (the core routes it by correlation id); a broadcast
          // of one user's connection (a log line between calls, a resource update) must not reach
          // every other user, and these connections serve no single session to route it to.
          if (event.type === 'resource_updated') return;
          if (event.type === 'log' && event.correlationId === undefined) return;
          this.emit(event);
        },
        onLost: (lost) => {
          if (this.users.get(subject)?.conn === lost) this.users.delete(subject);
        },
      },
      signal: this.stop.signal,
    });
    if (!this.known) {
      try {
        this.current = await fetchCatalog(conn, this.stop.signal);
        this.known = true;
        this.lastError = undefined;
        for (const kind of ALL_KINDS) this.emit({ type: 'list_changed', upstream: this.spec.name, kind });
      } catch (err) {
        this.log.warn({ err: describeStartError(err) }, 'fetching the catalog over a user connection failed');
      }
    }
    return conn;
  }

  private refresh(conn: McpUpstreamConnection, kinds: readonly CatalogKind[]): void {
    void fetchKinds(conn, kinds, this.stop.signal).then(
      (fresh) => {
        this.current = { ...this.current, ...fresh };
        this.known = true;
        for (const kind of kinds) this.emit({ type: 'list_changed', upstream: this.spec.name, kind });
      },
      (err: unknown) =>
        this.log.warn({ err: describeStartError(err), kinds }, 'refreshing the catalog failed'),
    );
  }

  private async closeUser(subject: string, why?: string): Promise<void> {
    const entry = this.users.get(subject);
    if (!entry) return;
    this.users.delete(subject);
    if (why !== undefined) this.log.info({ subject, why }, 'closed the connection of a user');
    const conn = await entry.pending.catch(() => undefined);
    await conn?.close();
  }

  /**
   * One timer per upstream (unref'd) closes connections idle longer than `oauth.idleTimeout`: a
   * user who stopped calling holds no upstream session, stream or refreshed token; their next call
   * opens a new connection transparently.
   */
  private startSweeper(): void {
    if (this.sweeper || this.stop.signal.aborted) return;
    const every = Math.min(60_000, Math.max(250, Math.floor(this.idleMs / 4)));
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [subject, entry] of this.users) {
        if (entry.active > 0 || now - entry.lastUsed < this.idleMs) continue;
        void this.closeUser(subject, `idle for ${Math.round((now - entry.lastUsed) / 1000)} s`);
        this.auth.released?.(subject);
      }
      if (this.users.size === 0 && this.sweeper) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, every);
    this.sweeper.unref();
  }

  private unavailable(why: string): GatewayError {
    return new GatewayError('upstream_unavailable', `upstream "${this.spec.name}" is unavailable: ${why}`, {
      data: { upstream: this.spec.name },
    });
  }
}

const ALL_KINDS: readonly CatalogKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

function connectCatalog(upstream: string): UpstreamCatalog {
  return Object.freeze({
    tools: [
      {
        name: CONNECT_TOOL,
        description: `Connect the gateway to "${upstream}" as you. When "${upstream}" needs your authorization first, the answer is a link to open in a browser; once you have signed in there (or at once otherwise), the tools of "${upstream}" are listed.`,
        inputSchema: { type: 'object', properties: {} },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
    ],
    prompts: [],
    resources: [],
    resourceTemplates: [],
  });
}

/**
 * A user connection that answers the placeholder `connect` tool itself (the upstream has no such
 * tool): reaching this point means the caller is connected, so that is the answer.
 */
class ConnectAware implements UpstreamConnection {
  constructor(
    private readonly conn: McpUpstreamConnection,
    private readonly name: string,
    private readonly placeholder: () => boolean,
    private readonly activity: { begin(): void; end(): void },
  ) {}

  get upstream(): string {
    return this.conn.upstream;
  }

  get era() {
    return this.conn.era;
  }

  capabilities(): JsonObject | undefined {
    return this.conn.capabilities();
  }

  request(method: string, params: JsonObject | undefined, opts: UpstreamRequestOptions): Promise<JsonObject> {
    if (method === 'tools/call' && params?.name === CONNECT_TOOL && !this.placeholder()) {
      return Promise.resolve({
        content: [{ type: 'text', text: `connected to "${this.name}"; its tools are now listed` }],
      });
    }
    this.activity.begin();
    return this.conn.request(method, params, opts).finally(() => this.activity.end());
  }
}
