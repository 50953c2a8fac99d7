import { GatewayError } from '@mcpgate/core';
import type { FetchLike } from '../http.js';
import type { GatewayAuthInfo } from './discover.js';
import { postJson } from './post-json.js';

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

/** How this client identifies itself at the token endpoint. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly authMethod: TokenEndpointAuthMethod;
}

const AUTHORIZATION_CODE = 'authorization_code';
const REFRESH_TOKEN = 'refresh_token';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * The grants to register for: only those the server advertises (RFC 8414 `grant_types_supported`,
 * whose absence means `authorization_code` and `implicit`). A server that does not offer the device
 * flow refuses a registration that asks for it (`invalid_client_metadata`), so device_code is asked
 * for only where the server advertises both the grant and its endpoint. The refresh grant is kept
 * when the list is absent: servers that omit it commonly issue refresh tokens to code clients.
 */
export function registrationGrantTypes(server: GatewayAuthInfo['server']): string[] {
  const advertised = server.grant_types_supported;
  if (advertised === undefined) return [AUTHORIZATION_CODE, REFRESH_TOKEN];
  const grants = [AUTHORIZATION_CODE, REFRESH_TOKEN].filter((g) => advertised.includes(g));
  if (advertised.includes(DEVICE_CODE) && typeof server.device_authorization_endpoint === 'string') {
    grants.push(DEVICE_CODE);
  }
  return grants;
}

/**
 * The token-endpoint authentication method to use: none (a public client) where the server allows
 * it or says nothing, else a client secret the way the server supports (Basic preferred, RFC 6749
 * §2.3.1). A secret is only usable when there is one.
 */
export function chooseAuthMethod(
  server: GatewayAuthInfo['server'],
  haveSecret: boolean,
): TokenEndpointAuthMethod {
  const methods = server.token_endpoint_auth_methods_supported as readonly string[] | undefined;
  if (!haveSecret && (methods === undefined || methods.includes('none'))) return 'none';
  if (methods === undefined || methods.includes('client_secret_basic')) return 'client_secret_basic';
  if (methods.includes('client_secret_post')) return 'client_secret_post';
  if (haveSecret && methods.includes('none')) return 'none';
  throw new GatewayError(
    'invalid_params',
    `the authorization server accepts only ${methods.join(', ')} at its token endpoint, which mcpgate cannot use; register a client there and pass --client-id`,
  );
}

export interface ClientChoice {
  /** A client registered at the authorization server for mcpgate (`--client-id`). */
  readonly clientId?: string;
  /** Its secret, for a confidential client. */
  readonly clientSecret?: string;
  /** An https URL serving mcpgate's client metadata document, used as client id where supported. */
  readonly clientMetadataUrl?: string;
}

/**
 * Who mcpgate is at the authorization server, in the MCP spec's order of preference: a
 * pre-registered client, a client ID metadata document (where the server advertises
 * `client_id_metadata_document_supported`), else RFC 7591 dynamic registration.
 */
export async function resolveClient(
  info: GatewayAuthInfo,
  fetchImpl: FetchLike,
  choice: ClientChoice = {},
): Promise<ClientCredentials> {
  if (choice.clientId !== undefined) {
    const secret = choice.clientSecret;
    return {
      clientId: choice.clientId,
      ...(secret !== undefined && { clientSecret: secret }),
      authMethod: secret === undefined ? 'none' : chooseAuthMethod(info.server, true),
    };
  }
  if (choice.clientMetadataUrl !== undefined && info.server.client_id_metadata_document_supported === true) {
    return { clientId: choice.clientMetadataUrl, authMethod: 'none' };
  }
  return registerClient(info, fetchImpl);
}

/** RFC 7591 dynamic registration as a native client with loopback redirects (any port, RFC 8252). */
export async function registerClient(
  info: GatewayAuthInfo,
  fetchImpl: FetchLike,
): Promise<ClientCredentials> {
  const endpoint = info.server.registration_endpoint;
  if (typeof endpoint !== 'string') {
    throw new GatewayError(
      'invalid_params',
      `${info.issuer} does not offer dynamic client registration: pass --client-id with the id of a client registered for mcpgate`,
    );
  }
  const authMethod = chooseAuthMethod(info.server, false);
  const body = await postJson(fetchImpl, endpoint, {
    client_name: 'mcpgate',
    application_type: 'native',
    token_endpoint_auth_method: authMethod,
    grant_types: registrationGrantTypes(info.server),
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  });
  return registeredClient(endpoint, body, (hasSecret) =>
    hasSecret ? chooseAuthMethod(info.server, true) : authMethod,
  );
}

/**
 * The client an RFC 7591 registration answer describes: the method the server granted, or, when
 * it names none, `fallback` (told whether a secret was issued).
 */
export function registeredClient(
  endpoint: string,
  body: Record<string, unknown>,
  fallback: (hasSecret: boolean) => TokenEndpointAuthMethod,
): ClientCredentials {
  if (typeof body.client_id !== 'string')
    throw new GatewayError('upstream_error', `${endpoint} registered no client_id`);
  const secret =
    typeof body.client_secret === 'string' && body.client_secret !== '' ? body.client_secret : undefined;
  const granted = body.token_endpoint_auth_method;
  return {
    clientId: body.client_id,
    ...(secret !== undefined && { clientSecret: secret }),
    authMethod:
      granted === 'client_secret_basic' || granted === 'client_secret_post' || granted === 'none'
        ? granted
        : fallback(secret !== undefined),
  };
}
