import type { JsonObject, ProgressUpdate } from './call.js';
import type { CatalogKind, UpstreamCatalog } from './catalog.js';
import type { Identity } from './identity.js';
import type { Era, SessionInfo } from './session.js';
import type { TraceContext } from './tracing.js';

export interface UpstreamRequestOptions {
  readonly signal: AbortSignal;
  readonly onProgress?: (update: ProgressUpdate) => void;
  /** The downstream call this request serves; server→client requests it causes are routed to it. */
  readonly link?: CallLink;
  /**
   * The W3C trace context of the gateway's round-trip span (tracing on). Core has already put it in
   * the params' `_meta`; an HTTP upstream also gets it as `traceparent` / `tracestate` headers.
   */
  readonly trace?: TraceContext;
}

/**
 * The port between the upstream package and the gateway core for one downstream call: all the
 * upstream side may know of the call (which session, what the client can answer) and the one
 * thing it may do with it — hand a server→client request to the chain's upstream side, which
 * decides, masks, records and relays it to the client.
 */
export interface CallLink {
  readonly correlationId: string;
  readonly sessionId: string;
  /** The capabilities the calling client declared (sampling, elicitation, roots…). */
  readonly clientCapabilities: JsonObject | undefined;
  ask(method: string, params: JsonObject | undefined, signal: AbortSignal): Promise<JsonObject>;
}

/** A live MCP client connection to one upstream. Implementations remap ids; nothing downstream leaks up. */
export interface UpstreamConnection {
  readonly upstream: string;
  readonly era: Era | undefined;
  request(method: string, params: JsonObject | undefined, opts: UpstreamRequestOptions): Promise<JsonObject>;
  /** Server capabilities the upstream declared (discover or initialize). */
  capabilities(): JsonObject | undefined;
}

export type UpstreamState = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface UpstreamStatus {
  readonly name: string;
  readonly state: UpstreamState;
  readonly era?: Era;
  readonly transport: 'stdio' | 'streamable-http' | 'sse';
  readonly sharing: 'shared' | 'per-session';
  readonly lastError?: string;
  readonly restarts: number;
}

/** Notifications an upstream sends that the gateway must fan out to sessions. */
export type UpstreamEvent =
  | { readonly type: 'list_changed'; readonly upstream: string; readonly kind: CatalogKind }
  | {
      readonly type: 'resource_updated';
      readonly upstream: string;
      readonly uri: string;
      readonly sessionId?: string;
    }
  | {
      readonly type: 'log';
      readonly upstream: string;
      readonly params: JsonObject;
      /** Set for per-session connections: the only session this belongs to. */
      readonly sessionId?: string;
      /** The call it was sent during, when the connection's in-flight calls make that certain. */
      readonly correlationId?: string;
    };

/**
 * The upstream side as the gateway core sees it. `connection` hands out the shared connection or
 * the session's own (per-session sharing), starting it on first use.
 */
export interface UpstreamPool {
  start(): Promise<void>;
  names(): readonly string[];
  prefix(upstream: string): string;
  /**
   * `link`: the downstream call this connection is wanted for — a per-user upstream may have to ask
   * that call's client to authorize it (URL-mode elicitation) before it can connect.
   */
  connection(upstream: string, session: SessionInfo, link?: CallLink): Promise<UpstreamConnection>;
  /** Catalog of an upstream as last fetched (all pages). Empty while it is down. */
  catalog(upstream: string): UpstreamCatalog;
  status(): readonly UpstreamStatus[];
  onEvent(listener: (event: UpstreamEvent) => void): void;
  /** Close every per-session connection of this session. */
  closeSession(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

/** The gateway as OAuth client of one upstream, with a service identity. */
export interface UpstreamServiceOAuthSpec {
  readonly grant: 'client_credentials';
  readonly issuer?: string;
  readonly tokenEndpoint?: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly privateKey?: string;
  readonly privateKeyAlgorithm: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
  readonly scopes: readonly string[];
  /** RFC 8707 resource; the upstream's URL unless configured. */
  readonly resource: string;
}

/**
 * The gateway as OAuth client of one upstream on behalf of each user: authorization code + PKCE per
 * user (`authorization_code`). The authorization server is discovered from the upstream's
 * protected-resource metadata unless `issuer` is given; the client is `clientId` (+ `clientSecret`)
 * or registered dynamically.
 */
export interface UpstreamUserOAuthSpec {
  readonly grant: 'authorization_code';
  readonly issuer?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /**
   * A user's connection idle this long is closed (reopened on their next call); their token is
   * refreshed ahead of expiry only while it is open. Default 15 minutes.
   */
  readonly idleTimeoutMs?: number;
}

/**
 * Token exchange (RFC 8693): the caller's access token is traded at the identity provider the
 * upstream also trusts for one with the upstream's audience (`token_exchange`); the gateway
 * authenticates the exchange as `clientId`.
 */
export interface UpstreamTokenExchangeSpec {
  readonly grant: 'token_exchange';
  readonly issuer?: string;
  readonly tokenEndpoint?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** RFC 8693 `audience`, for servers that name the upstream by a logical name. */
  readonly audience?: string;
  /** As `UpstreamUserOAuthSpec.idleTimeoutMs`: a user's idle connection closes after this long. */
  readonly idleTimeoutMs?: number;
}

export type UpstreamOAuthSpec = UpstreamServiceOAuthSpec | UpstreamUserOAuthSpec | UpstreamTokenExchangeSpec;

/**
 * Per-user credentials for one upstream (`grant: authorization_code`), implemented by whoever
 * assembles the pool: the upstream package only asks for them and never sees how they are kept.
 */
export interface UpstreamUserAuth {
  /**
   * Resolves once `identity` has authorized the gateway at this upstream. Otherwise starts the
   * authorization and either asks the call's client to open the link (URL-mode elicitation, when
   * the client declared it) and waits for the user to finish, or throws `authorization_required`
   * carrying the link.
   */
  ensure(identity: Identity, link: CallLink | undefined): Promise<void>;
  /** `{ authorization: 'Bearer …' }` of `subject` for this upstream, refreshed when due. */
  headers(subject: string, options?: { readonly renew?: boolean }): Promise<Readonly<Record<string, string>>>;
  /** Called when a subject's authorization ends (revoked, refresh refused): its connection closes. */
  onEnded(listener: (subject: string) => void): void;
  /**
   * The pool closed `subject`'s connection for idleness: their token need not be kept fresh any
   * more (their next call refreshes it if due).
   */
  released?(subject: string): void;
}

/** One upstream as the config package normalizes it (secrets already resolved). */
export interface UpstreamSpec {
  /** Config key: `[a-z0-9-]+`. */
  readonly name: string;
  /** Namespace prefix for tools/prompts: the alias if set, else the name. */
  readonly prefix: string;
  readonly transport: 'stdio' | 'streamable-http' | 'sse';
  /** stdio only. Spawned exactly as configured — never anything a client supplies. */
  readonly command?: string;
  readonly args: readonly string[];
  /** Extra environment for a stdio child (merged over a minimal safe base, not the gateway's env). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Remote upstreams only. */
  readonly url?: string;
  /** Remote upstreams only: the gateway's own credentials for that upstream. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Remote upstreams only: the gateway's OAuth client settings for that upstream (see
   * `upstreams.<name>.oauth`); turned into `authorize` by whoever assembles the pool.
   */
  readonly oauth?: UpstreamOAuthSpec;
  /**
   * Headers computed for each HTTP request to this upstream (an access token the gateway obtained
   * for it, refreshed as needed) — sent to this upstream only, never a client's credential.
   */
  readonly authorize?: () => Promise<Readonly<Record<string, string>>>;
  /**
   * Per-user authorization (`oauth.grant: authorization_code`): every user gets a connection of
   * their own carrying their own token; set by whoever assembles the pool.
   */
  readonly userAuth?: UpstreamUserAuth;
  readonly sharing: 'shared' | 'per-session';
  /** Which protocol era to speak: probe (`auto`), or pin. */
  readonly era: 'auto' | 'legacy' | 'modern';
  readonly requestTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly restart: {
    readonly maxRestarts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
  readonly maxMessageBytes: number;
  /** Deepest JSON nesting accepted from the upstream (`limits.maxJsonDepth`; default 64). */
  readonly maxJsonDepth?: number;
}
