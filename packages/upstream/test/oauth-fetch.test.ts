import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizingFetch } from '../src/oauth/authorize-fetch.js';

/** A real HTTP server that accepts only the bearer `good`, recording what it was sent. */
describe('authorizingFetch (the header hook for upstreams.<name>.oauth)', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ auth: string | undefined; body: string; other: string | undefined }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        seen.push({
          auth: req.headers.authorization,
          body,
          other: req.headers['x-static'] as string | undefined,
        });
        res.writeHead(req.headers.authorization === 'Bearer good' ? 200 : 401).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('adds the computed header to each request, keeping the configured ones', async () => {
    seen.length = 0;
    const f = authorizingFetch(fetch, () => Promise.resolve({ authorization: 'Bearer good' }));
    const res = await f(url, { method: 'POST', body: '{"a":1}', headers: { 'x-static': 'kept' } });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ auth: 'Bearer good', body: '{"a":1}', other: 'kept' }]);
  });

  it('after a 401, renews the credentials once and resends the same request', async () => {
    seen.length = 0;
    const asks: Array<boolean | undefined> = [];
    const f = authorizingFetch(fetch, (o) => {
      asks.push(o?.renew);
      return Promise.resolve({ authorization: o?.renew ? 'Bearer good' : 'Bearer revoked' });
    });
    const res = await f(url, { method: 'POST', body: '{"b":2}' });
    expect(res.status).toBe(200);
    expect(asks).toEqual([false, true]);
    expect(seen.map((s) => [s.auth, s.body])).toEqual([
      ['Bearer revoked', '{"b":2}'],
      ['Bearer good', '{"b":2}'],
    ]);
  });

  it('gives up after one renewal: a second 401 goes to the transport', async () => {
    seen.length = 0;
    const f = authorizingFetch(fetch, () => Promise.resolve({ authorization: 'Bearer bad' }));
    expect((await f(url, { method: 'POST', body: '{}' })).status).toBe(401);
    expect(seen).toHaveLength(2);
  });
});
