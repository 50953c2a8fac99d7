import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GatewayError } from '@mcpgate/core';
import { normalizeGatewayUrl } from './discover.js';
import type { ClientCredentials, TokenEndpointAuthMethod } from './register.js';

/** Everything needed to use and refresh one gateway's tokens without rediscovery. */
export interface StoredTokens {
  readonly gateway: string;
  readonly resource: string;
  readonly issuer: string;
  readonly clientId: string;
  /** A confidential client's secret (registered dynamically or given at login), for refresh. */
  readonly clientSecret?: string;
  /** How the client authenticates at the token endpoint; absent means `none` (a public client). */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint?: string;
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Epoch ms. */
  readonly expiresAt?: number;
  readonly scope?: string;
  /** Epoch ms of the last login or refresh. */
  readonly updatedAt: number;
}

interface FileShape {
  version: 1;
  gateways: Record<string, StoredTokens>;
}

/**
 * `$XDG_CONFIG_HOME/mcpgate/tokens.json`, else `~/.config/mcpgate/tokens.json`. The caller passes
 * the environment and home directory: this package never reads them itself.
 */
export function defaultTokenStorePath(
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homeDir, '.config');
  return join(base, 'mcpgate', 'tokens.json');
}

/**
 * The per-user token cache, keyed by gateway URL. The file holds bearer credentials, so it is
 * created 0600 in a 0700 directory and replaced atomically (write to a temp file, rename) so a
 * crash never leaves half a file or a moment of wider permissions.
 */
export class TokenStore {
  constructor(readonly path: string) {}

  async get(gatewayUrl: string): Promise<StoredTokens | undefined> {
    return (await this.read()).gateways[normalizeGatewayUrl(gatewayUrl)];
  }

  async put(tokens: StoredTokens): Promise<void> {
    const data = await this.read();
    data.gateways[normalizeGatewayUrl(tokens.gateway)] = tokens;
    await this.write(data);
  }

  /** Returns whether an entry existed. Deletes the file when it becomes empty. */
  async delete(gatewayUrl: string): Promise<boolean> {
    const data = await this.read();
    const key = normalizeGatewayUrl(gatewayUrl);
    if (!(key in data.gateways)) return false;
    delete data.gateways[key];
    if (Object.keys(data.gateways).length === 0) await unlink(this.path).catch(() => undefined);
    else await this.write(data);
    return true;
  }

  private async read(): Promise<FileShape> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, gateways: {} };
      throw err;
    }
    // Someone loosened the permissions (a copy, an editor): tighten them back before using the secrets.
    const mode = (await stat(this.path)).mode & 0o777;
    if (mode & 0o077) await chmod(this.path, 0o600);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GatewayError(
        'invalid_request',
        `token cache ${this.path} is not valid JSON; delete it and log in again`,
      );
    }
    const shape = parsed as Partial<FileShape>;
    if (shape.version !== 1 || typeof shape.gateways !== 'object' || shape.gateways === null) {
      throw new GatewayError(
        'invalid_request',
        `token cache ${this.path} has an unknown format; delete it and log in again`,
      );
    }
    return { version: 1, gateways: shape.gateways };
  }

  private async write(data: FileShape): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}

/** The client a stored login was made with, to refresh or revoke its tokens. */
export function storedClient(entry: StoredTokens): ClientCredentials {
  return {
    clientId: entry.clientId,
    ...(entry.clientSecret !== undefined && { clientSecret: entry.clientSecret }),
    authMethod: entry.tokenEndpointAuthMethod ?? 'none',
  };
}
