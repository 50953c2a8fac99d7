import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** True for 127.0.0.0/8, ::1, IPv4-mapped loopback and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, so one client has one spelling in the audit. */
export function normalizeIp(ip: string): string {
  const t = ip.trim();
  return t.toLowerCase().startsWith('::ffff:') && isIP(t.slice(7)) === 4 ? t.slice(7) : t;
}

/**
 * The client's address. `X-Forwarded-For` is only believed when the TCP peer is a trusted proxy;
 * then hops are walked from the right (the entry our proxy appended) past trusted proxies, so a
 * client cannot choose its recorded address by sending its own header.
 */
export function sourceIp(req: IncomingMessage, trustProxy: boolean | readonly string[]): string | undefined {
  const peer = req.socket.remoteAddress ? normalizeIp(req.socket.remoteAddress) : undefined;
  if (!peer || trustProxy === false) return peer;
  const trusted = (ip: string) => trustProxy === true || trustProxy.includes(ip);
  if (!trusted(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!raw) return peer;
  const hops = raw
    .split(',')
    .map((s) => normalizeIp(s))
    .filter((s) => isIP(s) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted(hops[i]!)) return hops[i];
  return hops[0] ?? peer;
}

/** Hostname of a Host header, without port; IPv6 keeps its brackets. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export interface OriginPolicy {
  readonly origins: readonly string[];
  readonly allowLoopbackOrigins: boolean;
}

/** `undefined` = no Origin header (non-browser client); otherwise whether it may call. */
export function originAllowed(origin: string | undefined, policy: OriginPolicy): boolean | undefined {
  if (origin === undefined) return undefined;
  if (policy.origins.includes('*')) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (policy.origins.some((o) => o.replace(/\/$/, '').toLowerCase() === parsed.origin.toLowerCase()))
    return true;
  return policy.allowLoopbackOrigins && isLoopback(parsed.hostname);
}

/**
 * The Host names accepted (DNS-rebinding defence). `undefined` means no check: a non-loopback bind
 * with neither `allowedHosts` nor `auth.resource` configured.
 */
export function allowedHostSet(
  configured: readonly string[],
  bindHost: string,
  resource: string | undefined,
): ReadonlySet<string> | undefined {
  if (configured.length > 0) return new Set(configured.map((h) => h.toLowerCase()));
  if (isLoopback(bindHost)) return new Set(['localhost', '127.0.0.1', '[::1]']);
  if (resource) return new Set([hostName(new URL(resource).host)]);
  return undefined;
}

export const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
  'x-api-key',
].join(', ');

export const CORS_EXPOSE_HEADERS = ['mcp-session-id', 'mcp-protocol-version', 'www-authenticate'].join(', ');
