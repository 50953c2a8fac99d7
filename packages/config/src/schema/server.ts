import { duration, filePath } from './common.js';

/**
 * `server`: the HTTP face (`mcpgate serve`). Defaults are the safe ones: loopback bind, no browser
 * origins, bounded bodies and buffers, idle legacy sessions swept.
 */
export const serverSchema = {
  type: 'object',
  description:
    'The HTTP face (`mcpgate serve`): listen address, TLS, proxies, browser origins, limits and session lifetimes.',
  additionalProperties: false,
  default: {},
  properties: {
    host: {
      type: 'string',
      minLength: 1,
      default: '127.0.0.1',
      description:
        'Address to bind. The default accepts connections from this machine only; use `0.0.0.0` (or a LAN address) for a central gateway, which requires `auth.mode: oauth`.',
    },
    port: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'TCP port to listen on (`0` picks a free port, printed at startup).',
    },
    workers: {
      anyOf: [{ type: 'integer', minimum: 1, maximum: 256 }, { const: 'auto' }],
      default: 'auto',
      description:
        'Processes serving the one port (`node:cluster`): a number, or `auto` for one per CPU. Each worker is a replica on the shared PostgreSQL store with its own audit chain (`<audit.replicaId>.w<k>`), and any worker serves any legacy session. With the embedded store or an upstream with `sharing: per-session`, `auto` means 1 and a larger number is an error. `--workers` overrides it. See deploy.md, "Workers".',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['cert', 'key'],
      description:
        'Serve HTTPS directly. Leave unset behind a reverse proxy that terminates TLS (see `trustProxy`).',
      properties: {
        cert: filePath('PEM certificate chain file.'),
        key: filePath('PEM private key file. Keep it readable by the gateway user only.'),
      },
    },
    trustProxy: {
      anyOf: [
        { type: 'boolean' },
        { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      ],
      default: false,
      description:
        '`X-Forwarded-For` handling for the recorded source IP. `false`: ignore the header, record the TCP peer. `true`: trust every hop (the left-most address is recorded). A list of proxy IP addresses: the header is read only when the peer is one of them, and the right-most address that is not a listed proxy is recorded.',
    },
    allowedOrigins: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
      description:
        'Browser origins (`https://app.example.com`) allowed to call the gateway; a request carrying any other `Origin` gets 403. Requests without `Origin` (non-browser clients) are not affected. `*` allows every origin (not recommended).',
    },
    allowedHosts: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
      description:
        'Host names (without port) accepted in the `Host` header, against DNS rebinding. Empty: on a loopback bind only `localhost`, `127.0.0.1` and `[::1]`; otherwise the host of `auth.resource` when set (else no check).',
    },
    bodyLimit: {
      type: 'integer',
      minimum: 1024,
      default: 4194304,
      description:
        'Largest HTTP request body accepted, in bytes (default 4 MiB); larger bodies get 413. Each JSON-RPC message is also bounded by `limits.maxMessageBytes`.',
    },
    sessionIdleTimeout: duration(
      'A legacy session (Streamable HTTP `Mcp-Session-Id` or HTTP+SSE) with no request for this long is ended and its per-session upstreams are closed.',
      '30m',
    ),
    maxSessions: {
      type: 'integer',
      minimum: 1,
      default: 10000,
      description: 'Most concurrent legacy sessions; a new `initialize` past it gets 503.',
    },
    keepAlive: duration('Interval of SSE keep-alive comments on open event streams.', '15s'),
    resumptionBuffer: {
      type: 'integer',
      minimum: 0,
      default: 256,
      description:
        'Events kept per legacy session for resumption with `Last-Event-ID` (the oldest are dropped first; `0` disables resumption).',
    },
    resumptionMaxAge: duration(
      'Several replicas on one Postgres: a stream whose connection dropped before it was over is copied to the store so any replica can resume it; its events are deleted after this long. At most `resumptionBuffer` events are kept per stream.',
      '10m',
    ),
    drainDelay: duration(
      'On SIGTERM: how long the gateway keeps serving, with `/readyz` answering 503, before it stops accepting connections, so a load balancer checking `/readyz` stops sending it requests first. Behind a load balancer set it to at least its check interval times (failures to mark down + 1); `0` stops accepting at once.',
      '0s',
    ),
    shutdownGrace: duration(
      'On SIGTERM: how long in-flight requests may take to finish after the listener stops accepting, before they are cut.',
      '10s',
    ),
    headersTimeout: duration(
      'Longest time a client may take to send the request line and headers; a slower one gets 408 and its connection is closed.',
      '20s',
    ),
    bodyTimeout: duration(
      'Longest time a client may take to send a request body once its headers arrived; a slower one gets 408 and its connection is closed. Responses are not limited: event streams and long calls run as long as they need.',
      '30s',
    ),
    keepAliveTimeout: duration(
      'How long an idle keep-alive connection (no request in progress) stays open. Keep it above the idle timeout of a reverse proxy or load balancer that reuses connections to the gateway (nginx `keepalive_timeout`, 60 s on most cloud load balancers), so the proxy never sends on a connection the gateway is closing.',
      '65s',
    ),
  },
} as const;

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export interface ServerSection {
  readonly host: string;
  readonly port: number;
  readonly workers: number | 'auto';
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly trustProxy: boolean | readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly allowedHosts: readonly string[];
  readonly bodyLimit: number;
  readonly sessionIdleTimeout: number;
  readonly maxSessions: number;
  readonly keepAlive: number;
  readonly resumptionBuffer: number;
  readonly resumptionMaxAge: number;
  readonly drainDelay: number;
  readonly shutdownGrace: number;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  readonly keepAliveTimeout: number;
}
