import { GatewayError } from '@mcpgate/core';
import type { GatewayAuthInfo } from '../client/discover.js';
import { postJson } from '../client/post-json.js';
import {
  chooseAuthMethod,
  registeredClient,
  registrationGrantTypes,
  type ClientCredentials,
} from '../client/register.js';
import type { FetchLike } from '../http.js';

/** RFC 7591: the gateway registers itself as a confidential web client with its callback. */
export async function registerWebClient(
  info: GatewayAuthInfo,
  callbackUrl: string,
  fetchImpl: FetchLike,
): Promise<ClientCredentials> {
  const endpoint = info.server.registration_endpoint;
  if (typeof endpoint !== 'string') {
    throw new GatewayError(
      'invalid_params',
      `${info.issuer} does not offer dynamic client registration: register a client with redirect URI ${callbackUrl} and set oauth.clientId (and clientSecret)`,
    );
  }
  const methods = info.server.token_endpoint_auth_methods_supported as readonly string[] | undefined;
  const authMethod =
    methods === undefined || methods.includes('client_secret_basic')
      ? 'client_secret_basic'
      : chooseAuthMethod(info.server, false);
  const body = await postJson(fetchImpl, endpoint, {
    client_name: 'mcpgate',
    application_type: 'web',
    token_endpoint_auth_method: authMethod,
    grant_types: registrationGrantTypes(info.server).filter((g) => !g.includes('device_code')),
    response_types: ['code'],
    redirect_uris: [callbackUrl],
  });
  // The server names no method: a secret means the default confidential method, else none.
  return registeredClient(endpoint, body, (hasSecret) => (hasSecret ? 'client_secret_basic' : 'none'));
}

/**
 * Calls waiting for a user to finish an authorization they were asked for (URL-mode elicitation),
 * woken by the callback that completes it.
 */
export class Waiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  wait(key: string): { promise: Promise<void>; cancel(): void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const set = this.waiting.get(key) ?? new Set();
    set.add(resolve);
    this.waiting.set(key, set);
    return {
      promise,
      cancel: () => {
        set.delete(resolve);
        if (set.size === 0 && this.waiting.get(key) === set) this.waiting.delete(key);
      },
    };
  }

  wake(key: string): void {
    const set = this.waiting.get(key);
    this.waiting.delete(key);
    for (const w of set ?? []) w();
  }
}
