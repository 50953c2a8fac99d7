import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import {
  AuditRecorder,
  createWitnessPublisher,
  loadOrCreateSigningKey,
  startSinks,
  openStore,
  serveStoreControl,
  signingKeyFromPem,
  storeDir,
  type RecorderOptions,
  type SigningKey,
  type SinkConfig,
  type SinkRunner,
  type Store,
  type WitnessConfig,
  type WitnessPublisher,
} from '@mcpgate/audit';

export interface AuditRuntime {
  readonly store: Store;
  readonly recorder: AuditRecorder;
  /** Checkpoint witnessing (`audit.witness`), when configured. */
  readonly witness: WitnessPublisher | undefined;
  /** SIEM streaming (`audit.sinks`), when configured. */
  readonly sinks: SinkRunner | undefined;
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

/** `audit.witness` (durations in ms) → the audit package's witness options. */
export function witnessConfig(config: GatewayConfig): WitnessConfig | undefined {
  const w = config.audit.witness;
  if (!w) return undefined;
  return {
    ...(w.file ? { file: w.file } : {}),
    ...(w.webhook
      ? {
          webhook: {
            url: w.webhook.url,
            ...(w.webhook.headers ? { headers: w.webhook.headers } : {}),
            timeoutMs: w.webhook.timeout,
          },
        }
      : {}),
    ...(w.s3 ? { s3: { ...w.s3, timeoutMs: w.s3.timeout } } : {}),
  };
}

/** `audit.sinks` (durations in ms) → the audit package's sink options. */
export function sinkConfigs(config: GatewayConfig): Record<string, SinkConfig> {
  const out: Record<string, SinkConfig> = {};
  for (const [name, s] of Object.entries(config.audit.sinks ?? {}))
    out[name] =
      s.type === 'jsonl'
        ? { type: 'jsonl', path: s.path ?? '', maxBytes: s.maxBytes, maxFiles: s.maxFiles }
        : {
            type: s.type,
            url: s.url ?? '',
            ...(s.headers ? { headers: s.headers } : {}),
            timeoutMs: s.timeout,
          };
  return out;
}

export async function openAudit(
  config: GatewayConfig,
  logger: Logger,
  version: string,
): Promise<AuditRuntime> {
  const log = logger.child({ component: 'audit' });
  const signingKey = resolveSigningKey(config, log, 'gateway');
  const store = await openStore(config.store, { baseDir: config.baseDir, logger: log, direct: true });
  const witness = createWitnessPublisher(witnessConfig(config), log);
  let recorder: AuditRecorder;
  try {
    recorder = await AuditRecorder.start(store, {
      signingKey,
      logger: log,
      checkpointIntervalMs: config.audit.checkpointInterval,
      payloadCapBytes: config.audit.payloadCapBytes,
      ...(config.audit.replicaId ? { replicaId: config.audit.replicaId } : {}),
      ...(witness ? { onCheckpoint: (row) => witness.publish(row) } : {}),
      version,
    });
  } catch (err) {
    await witness?.close(0);
    await store.close();
    throw err;
  }
  const sinks = startSinks(store, sinkConfigs(config), {
    owner: recorder.chainId,
    logger: log,
  });
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
    witness,
    sinks,
    close: async () => {
      await control?.close();
      await recorder.close();
      // The final checkpoint was just made: give the witnesses a bounded chance to take it.
      await witness?.close();
      // And the sinks the last records (writer.stopped); what they miss, the next start delivers.
      await sinks?.close();
      await store.close();
    },
  };
}

/** A command's own audit recorder and how to close it (its witnesses get the final checkpoint). */
export interface CommandRecorder {
  readonly recorder: AuditRecorder;
  close(): Promise<void>;
}

/**
 * The audit chain of a CLI command (replica `cli-<host>`): its records (reads, decisions, grants)
 * are signed like a gateway's, and its checkpoints are published to the configured witnesses, so a
 * rewrite of what operators did is as detectable as a rewrite of what the gateway did.
 */
export async function startCommandRecorder(
  store: Store,
  config: GatewayConfig,
  signingKey: SigningKey,
  logger: Logger,
  extra: Partial<Pick<RecorderOptions, 'payloadCapBytes' | 'version' | 'checkpointIntervalMs'>> = {},
): Promise<CommandRecorder> {
  const witness = createWitnessPublisher(witnessConfig(config), logger);
  try {
    const recorder = await AuditRecorder.start(store, {
      ...extra,
      ...(witness ? { onCheckpoint: (row) => witness.publish(row) } : {}),
      replicaId: `cli-${hostname()}`.slice(0, 64).replace(/[^A-Za-z0-9._-]/g, '-'),
      signingKey,
      recover: false,
    });
    return {
      recorder,
      close: async () => {
        await recorder.close();
        await witness?.close();
      },
    };
  } catch (err) {
    await witness?.close();
    throw err;
  }
}
