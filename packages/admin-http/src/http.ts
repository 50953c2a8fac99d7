import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '@mcpgate/core';

/**
 * `(req, res, identity) → handled?` — an admin API route set, mounted by the HTTP face under
 * `/admin/` after authentication. It answers and returns true, or returns false to pass.
 */
export type AdminHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  identity: Identity,
) => Promise<boolean>;

/** A refusal an admin handler answers with `{ error: { code, message } }` and this status. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendProblem(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Reads a small JSON object body (admin requests are tiny: a bounded read, then parse). */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes = 16 * 1024,
): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > maxBytes) throw new HttpProblem(413, 'body_too_large', `request body over ${maxBytes} bytes`);
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'invalid_json', 'request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HttpProblem(400, 'invalid_json', 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Splits `/admin/<base>/a/b` into `['a', 'b']`, or undefined when the path is not under base. */
export function adminRoute(req: IncomingMessage, base: string): { url: URL; rest: string[] } | undefined {
  const url = new URL(req.url ?? '/', 'http://gateway.invalid');
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== base && !path.startsWith(`${base}/`)) return undefined;
  return { url, rest: path.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent) };
}
