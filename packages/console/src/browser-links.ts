import type { IncomingMessage } from 'node:http';

const API_LINK = /^\/admin\/approvals\/([^/]+)(?:\/(approve|deny))?\/?$/;

/**
 * Webhook payloads carry admin API URLs for programs (`links.show|approve|deny`). A person who
 * opens one of them in a browser — a receiver that renders every link as a button — should land
 * on the approval's console page, not on a JSON error: a top-level browser navigation (GET,
 * `Sec-Fetch-Mode: navigate` or an Accept that prefers HTML) is redirected there. Programs send
 * neither and keep getting the API. A redirect never decides anything: the page does, on a click.
 */
export function consolePageForApiLink(req: IncomingMessage, path: string): string | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const m = API_LINK.exec(path);
  if (!m || m[1] === 'events') return undefined;
  const accept = String(req.headers.accept ?? '');
  const navigation =
    req.headers['sec-fetch-mode'] === 'navigate' ||
    (accept.includes('text/html') && !accept.startsWith('application/json'));
  if (!navigation || req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined)
    return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  const page = `/console/approvals/${encodeURIComponent(id)}`;
  return m[2] ? `${page}?decide=${m[2]}` : page;
}
