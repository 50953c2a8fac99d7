import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingBin } from '@mcpgate/testkit';
import { writeConfig } from './support.js';
import { startServe, type ServeProcess } from './http-support.js';

// A self-signed certificate for 127.0.0.1 made for this test only (never used anywhere else).
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUCgucVCqVELyo3shUB/BcE27eVF4wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNDA3MTMzMVoYDzIxMjYxMDMx
MDcxMzMxWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAT/Pug/aUNRJxAm1wt5Tg9viSoQkqsCnOIU6GVYLSO8oHEcNcxiN575
AIjNCVr8LvsIFm3ICBY2Ttz96jiRj2Gco28wbTAdBgNVHQ4EFgQUto516cID9fWd
e3+yySzCdYT6hr8wHwYDVR0jBBgwFoAUto516cID9fWde3+yySzCdYT6hr8wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIgLbM5utJZ7VjJ1auTDIBvw7VFnR6CWROGjMy7fsuEZGcCIQDw
2c5eDaYBvH8zcIpyQJFxZm2bav1TsCMFDUMdUe6GfA==
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgk/XZ4WBRkORylOIL
3C9xUYJWOzMeUGzzJ2glgFNfDLihRANCAAT/Pug/aUNRJxAm1wt5Tg9viSoQkqsC
nOIU6GVYLSO8oHEcNcxiN575AIjNCVr8LvsIFm3ICBY2Ttz96jiRj2Gc
-----END PRIVATE KEY-----
`;

function https(
  url: string,
  method: string,
  body?: string,
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: TEST_CERT,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('mcpgate serve with server.tls', () => {
  let gw: ServeProcess;
  beforeAll(async () => {
    const config = writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${process.execPath}
    args: ['${everythingBin()}', 'stdio']
policy:
  default: allow
store:
  dir: ./data
server:
  port: 0
  tls:
    cert: ./tls.crt
    key: ./tls.key
`);
    writeFileSync(join(dirname(config), 'tls.crt'), TEST_CERT);
    writeFileSync(join(dirname(config), 'tls.key'), TEST_KEY, { mode: 0o600 });
    gw = await startServe(config);
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
  });

  it('serves HTTPS with the configured certificate', async () => {
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await https(`${gw.url}/healthz`, 'GET');
    expect(health.status).toBe(200);
    const init = await https(
      `${gw.url}/mcp`,
      'POST',
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'tls', version: '1' },
        },
      }),
    );
    expect(init.status).toBe(200);
    expect(init.headers['mcp-session-id']).toBeTruthy();
    expect(init.text).toContain('"serverInfo"');
  });
});
