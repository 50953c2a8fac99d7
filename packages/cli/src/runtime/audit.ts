import { dirname, join } from 'node:path';
import type { Logger } from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import {
  AuditRecorder,
  loadOrCreateSigningKey,
  openStore,
  serveStoreControl,
  signingKeyFromPem,
  storeDir,
  type SigningKey,
  type Store,
} from '@mcpgate/audit';

export interface AuditRuntime {
  readonly store: Store;
  readonly recorder: AuditRecorder;
  close(): Promise<void>;
}

/**
 * The checkpoint signing key never lives in the database: from `audit.signingKey` (PEM, usually a
 * secret reference) or `audit.signingKeyFile`; by default one is generated beside the embedded
 * data directory on first run and its path logged — also when store.url switches to Postgres, so
 * that switch needs no other change (a shared deployment should configure one explicitly).
 */
export function resolveSigningKey(config: GatewayConfig, logger: Logger): SigningKey {
  if (config.audit.signingKey) return signingKeyFromPem(config.audit.signingKey);
  const file =
    config.audit.signingKeyFile ?? join(dirname(storeDir(config.store, config.baseDir)), 'audit-signing.key');
  const loaded = loadOrCreateSigningKey(file);
  if (loaded.created) {
    logger.warn(
      { file: loaded.file },
      config.store.url
        ? 'generated a new audit signing key next to the config; for a shared deployment set audit.signingKey (a secret reference) or audit.signingKeyFile, back it up and keep it off the database host'
        : 'generated a new audit signing key; back it up and keep it off the database host',
    );
  }
  return loaded.key;
}

export async function openAudit(
  config: GatewayConfig,
  logger: Logger,
  version: string,
): Promise<AuditRuntime> {
  const log = logger.child({ component: 'audit' });
  const signingKey = resolveSigningKey(config, log);
  const store = await openStore(config.store, { baseDir: config.baseDir, logger: log, direct: true });
  let recorder: AuditRecorder;
  try {
    recorder = await AuditRecorder.start(store, {
      signingKey,
      logger: log,
      checkpointIntervalMs: config.audit.checkpointInterval,
      payloadCapBytes: config.audit.payloadCapBytes,
      ...(config.audit.replicaId ? { replicaId: config.audit.replicaId } : {}),
      version,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  // The embedded store is this process's alone: other local commands (approvals, access, audit,
  // keys, tools) reach it through this owner-only socket while the gateway runs.
  const control = config.store.url
    ? undefined
    : await serveStoreControl(store, storeDir(config.store, config.baseDir), log).catch((err: unknown) => {
        log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'local control channel not available',
        );
        return undefined;
      });
  return {
    store,
    recorder,
    close: async () => {
      await control?.close();
      await recorder.close();
      await store.close();
    },
  };
}
