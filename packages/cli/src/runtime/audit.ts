import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '@mcpgate/core';
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
 * secret reference) or `audit.signingKeyFile`; else the default file beside the embedded data
 * directory. The gateway (`role: 'gateway'`) creates that file on first run and logs its path,
 * also when store.url switches to Postgres, so that switch needs no other change. Any other
 * command (`role: 'operator'`: keys, audit, approvals...) signs the events it records too, but on a
 * Postgres store it never invents a signer: a missing key is an error saying what to set, instead
 * of a second, unexpected signer in `audit verify`.
 */
export function resolveSigningKey(
  config: GatewayConfig,
  logger: Logger,
  role: 'gateway' | 'operator' = 'operator',
): SigningKey {
  if (config.audit.signingKey) return signingKeyFromPem(config.audit.signingKey);
  const file =
    config.audit.signingKeyFile ?? join(dirname(storeDir(config.store, config.baseDir)), 'audit-signing.key');
  if (role === 'operator' && config.store.url && !config.audit.signingKeyFile && !existsSync(file)) {
    throw new Error(
      `no audit signing key: audit.signingKey and audit.signingKeyFile are not set, and ${file} does not exist. ` +
        'With a PostgreSQL store this command signs what it records and will not create a new signer; set ' +
        "audit.signingKey: '${file:PATH}' (or ${env:NAME}) or audit.signingKeyFile to this host's key (docs/audit.md)",
    );
  }
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
  const signingKey = resolveSigningKey(config, log, 'gateway');
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
