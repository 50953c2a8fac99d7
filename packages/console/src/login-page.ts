import type { ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './assets.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendPage(res: ServerResponse, status: number, title: string, main: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · mcpgate</title>
<link rel="stylesheet" href="/console/assets/app.css"></head><body>${main}</body></html>`;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

/** A plain page (no script) for a failed sign-in, with a way back. */
export function failPage(res: ServerResponse, status: number, message: string, retry = true): void {
  sendPage(
    res,
    status,
    'Sign-in failed',
    `<main class="fail"><h1>Sign-in failed</h1><p>${esc(message)}</p>${
      retry ? '<p><a href="/console/auth/login">Sign in again</a></p>' : ''
    }</main>`,
  );
}

export interface SignInChoice {
  readonly label: string;
  readonly href: string;
}

/**
 * The sign-in page when more than one way is configured (OIDC and SAML): plain links, no script,
 * so it works under the console's Content-Security-Policy and without JavaScript.
 */
export function chooserPage(res: ServerResponse, choices: readonly SignInChoice[]): void {
  const items = choices
    .map((c) => `<li><a class="choice" href="${esc(c.href)}">${esc(c.label)}</a></li>`)
    .join('');
  sendPage(
    res,
    200,
    'Sign in',
    `<main class="fail signin"><h1>Sign in to mcpgate</h1><p>Choose how to sign in.</p><ul class="choices">${items}</ul></main>`,
  );
}
