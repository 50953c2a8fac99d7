import { dirname, join } from 'node:path';
import { GatewayError, type Logger } from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import {
  AuditRecorder,
  loadOrCreateSigningKey,
  openStore,
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
 * secret reference) or `audit.signingKeyFile`; the embedded default generates one beside the data
 * directory on first run and says where. A Postgres deployment must configure one explicitly.
 */
export function resolveSigningKey(config: GatewayConfig, logger: Logger): SigningKey {
  if (config.audit.signingKey) return signingKeyFromPem(config.audit.signingKey);
  let file = config.audit.signingKeyFile;
  if (!file) {
    if (config.store.url) {
      throw new GatewayError(
        'invalid_request',
        'audit.signingKey or audit.signingKeyFile is required with store.url: the checkpoint signing key must not live in the database',
      );
    }
    file = join(dirname(storeDir(config.store, config.baseDir)), 'audit-signing.key');
  }
  const loaded = loadOrCreateSigningKey(file);
  if (loaded.created) {
    logger.warn(
      { file: loaded.file },
      'generated a new audit signing key; back it up and keep it out of the database host',
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
  const store = await openStore(config.store, { baseDir: config.baseDir, logger: log });
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
  return {
    store,
    recorder,
    close: async () => {
      await recorder.close();
      await store.close();
    },
  };
}
