import { isIP } from 'node:net';
import { userInfo } from 'node:os';
import { GatewayError, type Identity } from '@mcpgate/core';

/** True for 127.0.0.0/8, ::1 (bracketed or not), IPv4-mapped loopback, and the name `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * `local` mode means nobody is authenticated, so it is only safe where only this machine can
 * connect. Throws when the bind address could be reached from elsewhere (0.0.0.0, ::, a LAN IP).
 */
export function assertLocalModeAllowed(bindHost: string): void {
  if (!isLoopbackHost(bindHost)) {
    throw new GatewayError(
      'forbidden',
      `auth.mode "local" (no authentication) is only allowed on a loopback address, but the server binds ${JSON.stringify(bindHost)}; ` +
        'bind 127.0.0.1 or configure auth.mode "oauth" (OIDC and/or API keys)',
    );
  }
}

/** The identity every request gets in local mode: the OS user running the gateway. */
export function localIdentity(username: string = userInfo().username): Identity {
  return Object.freeze({
    subject: `local:${username}`,
    name: username,
    groups: Object.freeze([]),
    authMethod: 'local' as const,
  });
}

/** The line the HTTP face logs at startup in local mode; loud on purpose. */
export const LOCAL_MODE_WARNING =
  'AUTHENTICATION IS OFF (auth.mode local): every connection to this loopback address acts as the local OS user';
