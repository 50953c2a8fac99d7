import { GatewayError } from '@mcpgate/core';
import type { FetchLike } from '../http.js';
import type { GatewayAuthInfo } from './discover.js';
import { postJson } from './post-json.js';

/**
 * RFC 7591 dynamic registration of mcpgate as a public native client, used when no `--client-id`
 * is given and the server allows open registration. Loopback redirects may use any port (RFC 8252).
 */
export async function registerPublicClient(info: GatewayAuthInfo, fetchImpl: FetchLike): Promise<string> {
  const endpoint = info.server.registration_endpoint;
  if (typeof endpoint !== 'string') {
    throw new GatewayError(
      'invalid_params',
      `${info.issuer} does not offer dynamic client registration: pass --client-id with the id of a public client registered for mcpgate`,
    );
  }
  const body = await postJson(fetchImpl, endpoint, {
    client_name: 'mcpgate',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  });
  if (typeof body.client_id !== 'string')
    throw new GatewayError('upstream_error', `${endpoint} registered no client_id`);
  return body.client_id;
}
