import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import { sendProblem } from '@mcpgate/admin-http';

/** The console's one error format is the admin API's: `{ "error": { "code", "message" } }`. */
export { sendProblem };

export interface CookieNames {
  readonly session: string;
  readonly login: string;
  /** A SAML sign-in in progress: binds the IdP's answer to the browser that started it. */
  readonly saml: string;
  readonly secure: boolean;
}

/**
 * Under TLS the cookies get the `__Host-` prefix: the browser then insists on Secure, Path=/ and
 * no Domain, so a sibling subdomain cannot plant or shadow them.
 */
export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? {
        session: '__Host-mcpgate-console',
        login: '__Host-mcpgate-console-login',
        saml: '__Host-mcpgate-console-saml',
        secure,
      }
    : { session: 'mcpgate-console', login: 'mcpgate-console-login', saml: 'mcpgate-console-saml', secure };
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const v = parseCookie(header)[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * SameSite=Lax, not Strict: a reviewer arrives from a Slack or e-mail link (a cross-site top-level
 * navigation) and must land signed in. Lax still withholds the cookie from cross-site POSTs and
 * subresource requests; every state-changing request also needs the CSRF token and our Origin.
 */
export function setCookie(
  res: ServerResponse,
  names: CookieNames,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  const prior = res.getHeader('set-cookie');
  const list = Array.isArray(prior) ? prior : typeof prior === 'string' ? [prior] : [];
  list.push(
    stringifySetCookie({
      name,
      value,
      httpOnly: true,
      sameSite: 'lax',
      secure: names.secure,
      path: '/',
      maxAge: maxAgeSeconds,
    }),
  );
  res.setHeader('set-cookie', list);
}

export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/**
 * Only paths of this console, or the gateway's own start of an upstream authorization
 * (`/oauth/start?flow=…`, reached signed in), may be a post-login destination (no open redirect).
 */
export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw || raw.startsWith('//') || /[\\\r\n]/.test(raw)) return '/console/';
  if (raw.startsWith('/console') || raw.startsWith('/oauth/start?')) return raw;
  return '/console/';
}

/**
 * An `application/x-www-form-urlencoded` body of at most `limit` bytes (a SAML response is a few
 * KB; its base64 grows with the attributes). Undefined when too large or of another type.
 */
export async function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
