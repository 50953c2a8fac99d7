import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ROUTES } from '@mcpgate/faces';
import { freePort } from '@mcpgate/testkit';
import { waitFor, writeConfig } from './support.js';
import { startServe, type ServeProcess } from './http-support.js';
import { deployNginxBlocks, startNginx, type NginxProcess } from './nginx-support.js';

/**
 * docs/deploy.md's reverse-proxy config against the gateway's own route list (HTTP_ROUTES, the
 * data the HTTP face routes by): every public path is forwarded, no internal one is — checked on
 * the config's text, then with nginx itself (`nginx -t`, and nginx in front of a real gateway).
 */
// Section 4's single-gateway block (section 5's several-replica block comes after it).
const nginxBlock = deployNginxBlocks()[0] ?? '';

/** The `location` matchers of an nginx server block: `~ regex`, `= exact` or a plain prefix. */
function locations(block: string): Array<(path: string) => boolean> {
  const out: Array<(path: string) => boolean> = [];
  for (const m of block.matchAll(/^\s*location\s+(~\*?|=|\^~)?\s*(\S+)\s*\{/gm)) {
    const [, modifier, arg] = m;
    if (modifier === '~' || modifier === '~*') {
      const re = new RegExp(arg!, modifier === '~*' ? 'i' : '');
      out.push((p) => re.test(p));
    } else if (modifier === '=') out.push((p) => p === arg);
    else out.push((p) => p.startsWith(arg!));
  }
  return out;
}

const pathOf = (example: string) => example.split('?')[0]!;

describe('docs/deploy.md reverse proxy (nginx)', () => {
  it('forwards every public path the gateway serves and none of its internal ones', () => {
    const matchers = locations(nginxBlock);
    expect(matchers.length).toBeGreaterThan(0);
    const forwarded = (p: string) => matchers.some((m) => m(p));
    const wrong = HTTP_ROUTES.flatMap((r) =>
      r.examples
        .map(pathOf)
        .filter((p) => forwarded(p) !== (r.exposure === 'public'))
        .map((p) => `${p} (${r.exposure})`),
    );
    expect(wrong).toEqual([]);
    expect(forwarded('/admin/approvals/ap_1/approve')).toBe(true);
  });

  describe('with nginx in front of a real gateway', () => {
    let gw: ServeProcess;
    let nginx: NginxProcess | undefined;
    let port: number;

    beforeAll(async () => {
      gw = await startServe(
        writeConfig(`
upstreams: {}
store:
  dir: ./data
server:
  port: 0
`),
      );
      const dir = mkdtempSync(join(tmpdir(), 'mcpgate-nginx-cert-'));
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      const ssl = spawnSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      expect(ssl.status, ssl.stderr?.toString()).toBe(0);
      port = await freePort();
      const gatewayPort = new URL(gw.url).port;
      // The doc's block as it stands; only what a test machine must change: address, port, cert.
      const server = nginxBlock
        .replace(/listen 443 /, `listen 127.0.0.1:${port} `)
        .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`)
        .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`)
        .replace(/proxy_pass http:\/\/127\.0\.0\.1:8080;/, `proxy_pass http://127.0.0.1:${gatewayPort};`);
      expect(server).toContain(`proxy_pass http://127.0.0.1:${gatewayPort};`);
      // startNginx runs `nginx -t` first: a config nginx rejects fails here with its message.
      nginx = startNginx(server);
      await waitFor(
        async () => (await get('/healthz').catch(() => undefined)) !== undefined,
        15_000,
        'nginx',
      );
    });
    afterAll(async () => {
      await nginx?.stop();
      await gw?.stop('SIGKILL');
    });

    function get(
      path: string,
      init: { method?: string; body?: string; headers?: Record<string, string> } = {},
    ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            method: init.method ?? 'GET',
            headers: init.headers ?? {},
            rejectUnauthorized: false, // the test's self-signed certificate
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => {
              body += d.toString('utf8');
              // An event stream stays open: its first event is enough.
              if (res.headers['content-type']?.startsWith('text/event-stream') && body.includes('\n\n')) {
                res.destroy();
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
              }
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        req.end(init.body);
      });
    }

    it('passes `nginx -t` and reaches the gateway on every public path, not on internal ones', async () => {
      const init = await get('/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'n', version: '1' },
          },
        }),
      });
      expect(init.status, init.body).toBe(200);
      expect(init.headers['mcp-session-id']).toBeDefined();

      const sse = await get('/sse', { headers: { accept: 'text/event-stream' } });
      expect(sse.status).toBe(200);
      expect(sse.body).toContain('event: endpoint');

      // The admin API answers with its own JSON (before the fix, nginx's own 404 page).
      const admin = await get('/admin/approvals');
      expect(admin.headers['content-type']).toContain('application/json');
      expect(admin.status).toBe(200);

      // The metadata path is the gateway's (404 JSON without auth.resource), not nginx's page.
      const metadata = await get('/.well-known/oauth-protected-resource/mcp');
      expect(metadata.headers['content-type']).toContain('application/json');

      for (const probe of ['/healthz', '/readyz', '/metrics']) {
        const r = await get(probe);
        expect(r.status, probe).toBe(404);
        expect(r.headers['content-type'], probe).toContain('text/html'); // nginx's, not forwarded
      }
      expect(nginx!.log.join('\n')).not.toMatch(/\[(emerg|alert|crit)\]/);
    });
  });
});
