import { watch, type FSWatcher } from 'node:fs';
import { formatIssue, loadConfig, type GatewayConfig } from '@mcpgate/config';
import { canonicalHash, type Logger } from '@mcpgate/core';
import { SERVING_CHECKS } from './config-checks.js';
import type { Runtime } from './compose.js';

/** What set a reload off: SIGHUP, a change of the file, or another replica's reload. */
export type ReloadTrigger = 'signal' | 'file' | 'replica';

export interface ReloadOutcome {
  readonly trigger: ReloadTrigger;
  /** The policy version now deciding calls (recorded with every decision). */
  readonly policyVersion: string;
  /** Hash of the policy and masking sections now applied (see configVersion). */
  readonly configVersion: string;
}

export interface ConfigWatch {
  /** Re-reads the config now (what SIGHUP does); undefined when the new file was rejected. */
  reload(trigger?: ReloadTrigger): Promise<ReloadOutcome | undefined>;
  /** The policy and masking this process applies now, as one short hash. */
  configVersion(): string;
  stop(): void;
}

/**
 * A short hash of what a reload applies (policy and masking): two replicas with the same value
 * govern calls alike. The policy version alone does not move when only masking changes.
 */
export function configVersion(config: GatewayConfig): string {
  return canonicalHash({ policy: config.policy, masking: config.masking }).slice(0, 16);
}

/**
 * Hot reload: SIGHUP or a change to the config file re-reads it; a valid config swaps policy and
 * masking in without dropping sessions, an invalid one is rejected with every error (path and
 * line) and the running config stays. Upstream and store changes are reported as needing a
 * restart — they are not applied halfway.
 */
export function watchConfig(
  path: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  runtime: Runtime,
  logger: Logger,
  onReloaded?: (outcome: ReloadOutcome) => void,
): ConfigWatch {
  const log = logger.child({ component: 'reload' });
  let running: Promise<ReloadOutcome | undefined> = Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  let current = configVersion(runtime.config);

  const doReload = async (trigger: ReloadTrigger): Promise<ReloadOutcome | undefined> => {
    const result = await loadConfig({ path, env, cwd, checks: SERVING_CHECKS });
    if (!result.ok) {
      log.error(
        { errors: result.errors.map((i) => formatIssue(path, i)) },
        'config not reloaded: the new file has errors; the running config stays',
      );
      return undefined;
    }
    const applied = runtime.reload(result.config);
    if (!applied.ok) {
      log.error(
        { errors: applied.errors },
        'config not reloaded: the new policy is invalid; the running config stays',
      );
      return undefined;
    }
    if (JSON.stringify(result.config.upstreams) !== JSON.stringify(runtime.config.upstreams)) {
      log.warn({}, 'upstream changes need a restart; policy and masking were reloaded');
    }
    if (JSON.stringify(result.config.tracing) !== JSON.stringify(runtime.config.tracing)) {
      log.warn({}, 'tracing changes need a restart; policy and masking were reloaded');
    }
    current = configVersion(result.config);
    const outcome = { trigger, policyVersion: applied.version, configVersion: current };
    log.info({ policyVersion: applied.version, configVersion: current, trigger }, 'config reloaded');
    onReloaded?.(outcome);
    return outcome;
  };

  const reload = (trigger: ReloadTrigger = 'signal'): Promise<ReloadOutcome | undefined> =>
    (running = running.then(
      () => doReload(trigger),
      () => doReload(trigger),
    ));
  const onHup = (): void => void reload('signal');
  process.on('SIGHUP', onHup);

  let watcher: FSWatcher | undefined;
  try {
    // Editors replace files (rename) as often as they write them: debounce and re-read either way.
    watcher = watch(path, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload('file'), 200);
    });
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'cannot watch the config file; SIGHUP still reloads',
    );
  }

  return {
    reload,
    configVersion: () => current,
    stop: () => {
      process.off('SIGHUP', onHup);
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
