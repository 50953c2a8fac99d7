/**
 * Every path `mcpgate serve` answers, as data: the face routes by it and the docs' reverse-proxy
 * configs are tested against it, so a new endpoint cannot be forgotten in the proxy.
 *
 * `exposure`: `public` paths are what clients, reviewers and the identity flow need from outside
 * (a reverse proxy must forward them); `internal` ones are for probes and scrapers on the
 * internal network (a proxy should not forward them).
 */
export interface HttpRoute {
  /** The path, or the prefix when `match` is `prefix`. */
  readonly path: string;
  readonly match: 'exact' | 'prefix';
  readonly methods: readonly string[];
  readonly exposure: 'public' | 'internal';
  /** Paths a test requests to see the route is reached (a prefix route's sub-paths). */
  readonly examples: readonly string[];
  readonly what: string;
}

export const MCP_PATH = '/mcp';
export const SSE_PATH = '/sse';
export const MESSAGES_PATH = '/messages';
export const ADMIN_PREFIX = '/admin/';
export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';
export const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export const HTTP_ROUTES: readonly HttpRoute[] = [
  {
    path: MCP_PATH,
    match: 'exact',
    methods: ['POST', 'GET', 'DELETE', 'OPTIONS'],
    exposure: 'public',
    examples: [MCP_PATH],
    what: 'Streamable HTTP, both protocol eras',
  },
  {
    path: SSE_PATH,
    match: 'exact',
    methods: ['GET'],
    exposure: 'public',
    examples: [SSE_PATH],
    what: 'legacy HTTP+SSE event stream',
  },
  {
    path: MESSAGES_PATH,
    match: 'exact',
    methods: ['POST'],
    exposure: 'public',
    examples: [`${MESSAGES_PATH}?sessionId=x`],
    what: 'legacy HTTP+SSE client messages',
  },
  {
    path: METADATA_PREFIX,
    match: 'prefix',
    methods: ['GET'],
    exposure: 'public',
    examples: [METADATA_PREFIX, `${METADATA_PREFIX}/mcp`],
    what: 'RFC 9728 protected-resource metadata (and its path variant)',
  },
  {
    path: ADMIN_PREFIX,
    match: 'prefix',
    methods: ['GET', 'POST'],
    exposure: 'public',
    examples: ['/admin/approvals', '/admin/grants', '/admin/oauth/connections'],
    what: "admin API: approvals, grants and users' upstream OAuth connections (remote `--url` mode of the CLI, webhook links)",
  },
  {
    path: '/oauth/callback',
    match: 'exact',
    methods: ['GET'],
    exposure: 'public',
    examples: ['/oauth/callback'],
    what: "redirect URI of per-user upstream OAuth (the browser's return from an upstream's authorization server)",
  },
  {
    path: '/oauth/start',
    match: 'exact',
    methods: ['GET'],
    exposure: 'public',
    examples: ['/oauth/start?flow=f'],
    what: 'the link a user is handed to authorize a per-user OAuth upstream (checks who opens it, then on to the authorization server)',
  },
  ...PROBE_PATHS.map((path): HttpRoute => ({
    path,
    match: 'exact',
    methods: ['GET'],
    exposure: 'internal',
    examples: [path],
    what: 'probe / Prometheus scrape',
  })),
];
