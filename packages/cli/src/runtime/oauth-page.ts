import type { ServerResponse } from 'node:http';

/**
 * The small page the browser shows on the gateway's OAuth routes (`/oauth/start`,
 * `/oauth/callback`): no script, no external resource, never a token; `link` is an optional
 * same-origin path (e.g. the console's connections page).
 */
export function sendOAuthPage(
  res: ServerResponse,
  status: number,
  title: string,
  text: string,
  link?: { href: string; label: string },
): void {
  const more = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — mcpgate</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${more}</main></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'",
  });
  res.end(html);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
