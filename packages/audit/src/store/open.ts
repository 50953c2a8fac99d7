import { resolve } from 'node:path';
import type { Logger } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import { checkSchema, migrate } from '../migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './pg.js';
import { controlSocketPath, openControlStore } from './control-client.js';
import type { Store } from './types.js';

/** The `store` config section as the audit package needs it. */
export interface StoreConfig {
  /** Postgres URL; when absent the embedded PGlite store at `dir` is used. */
  readonly url?: string;
  /** Embedded store directory (default `./.mcpgate/data`, relative to `baseDir`). */
  readonly dir?: string;
  readonly poolSize?: number;
  /** `auto` applies pending migrations at start; `check` only verifies the schema (least-privilege role). */
  readonly migrate?: 'auto' | 'check';
  /** Schema for the Postgres search path (tests; `[a-z0-9_]+`). */
  readonly schema?: string;
}

export interface OpenStoreOptions {
  /** Directory `store.dir` is relative to (the config file's directory). */
  readonly baseDir?: string;
  readonly logger?: Logger;
  /** Skip migrate/check (the `migrate` command does its own). */
  readonly skipSchema?: boolean;
  /**
   * Open the embedded store itself or fail, never through a running gateway's control channel
   * (the gateway itself: two gateways must not share one embedded store).
   */
  readonly direct?: boolean;
}

export const DEFAULT_STORE_DIR = './.mcpgate/data';

/** Resolves the embedded store's directory the way openStore does. */
export function storeDir(config: StoreConfig, baseDir = process.cwd()): string {
  return resolve(baseDir, config.dir ?? DEFAULT_STORE_DIR);
}

/**
 * Opens the configured store: Postgres when `store.url` is set, the embedded PGlite otherwise.
 * The embedded store always migrates itself; Postgres migrates unless `migrate: check`. A
 * database with a newer schema than this build is refused either way.
 */
export async function openStore(config: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  const store = config.url
    ? await openPostgres({
        url: config.url,
        ...(config.poolSize !== undefined ? { poolSize: config.poolSize } : {}),
        ...(config.schema !== undefined ? { schema: config.schema } : {}),
        ...(opts.logger ? { logger: opts.logger } : {}),
      })
    : await openEmbedded(storeDir(config, opts.baseDir), opts.direct === true, opts.logger);
  if (opts.skipSchema || store.description.endsWith('(through the running gateway)')) return store;
  try {
    if (config.url && config.migrate === 'check')
      await checkSchema(store, { ...(opts.logger ? { logger: opts.logger } : {}) });
    else await migrate(store, { ...(opts.logger ? { logger: opts.logger } : {}) });
  } catch (err) {
    await store.close();
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(
      'audit_unavailable',
      `audit store ${store.description} is unavailable: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return store;
}

/**
 * The embedded store belongs to one process. When a running gateway holds it, a command of the
 * same OS user reaches it through that gateway's control socket instead of failing on the lock
 * (the gateway has migrated it already).
 */
async function openEmbedded(dir: string, direct: boolean, logger?: Logger): Promise<Store> {
  try {
    return await openPglite({ dir, ...(logger ? { logger } : {}) });
  } catch (err) {
    const socket = direct ? undefined : controlSocketPath(dir);
    if (!(err instanceof GatewayError) || socket === undefined) throw err;
    try {
      return await openControlStore(socket, dir);
    } catch {
      throw err;
    }
  }
}
