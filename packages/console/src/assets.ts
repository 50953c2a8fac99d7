import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where `pnpm build` writes the bundled front end (scripts/bundle.mjs). */
export const WEB_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

interface Asset {
  readonly etag: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly type: string;
}

/**
 * No inline script or style, nothing from another origin: the bundle, its stylesheet and the
 * JSON API are all `'self'`. `frame-ancestors 'none'` keeps the approve button out of any frame
 * (clickjacking).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** The built front end, read and compressed once at start. */
export class Assets {
  private readonly files = new Map<string, Asset>();

  constructor(dir = WEB_DIR) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      throw new Error(`the console's front end is not built (no ${dir}); run "pnpm build"`);
    }
    for (const name of names) {
      if (name.endsWith('.map')) continue;
      const body = readFileSync(join(dir, name));
      this.files.set(name, {
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        body,
        gzip: gzipSync(body, { level: 9 }),
        type: TYPES[extname(name)] ?? 'application/octet-stream',
      });
    }
    if (!this.files.has('index.html')) throw new Error(`the console's front end in ${dir} has no index.html`);
  }

  /** Names and compressed sizes: what a first visit downloads. */
  sizes(): Array<{ name: string; bytes: number; gzip: number }> {
    return [...this.files].map(([name, a]) => ({ name, bytes: a.body.length, gzip: a.gzip.length }));
  }

  /** Serves `name`; false when there is no such asset. */
  send(req: IncomingMessage, res: ServerResponse, name: string): boolean {
    const asset = this.files.get(name);
    if (!asset) return false;
    // Revalidated on every load (cheap 304s): a new gateway version is picked up at once.
    const cache = { etag: asset.etag, 'cache-control': 'no-cache', vary: 'Accept-Encoding' };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, cache);
      res.end();
      return true;
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? asset.gzip : asset.body;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': asset.type,
      'content-length': body.length,
      ...cache,
      ...(gz && { 'content-encoding': 'gzip' }),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
