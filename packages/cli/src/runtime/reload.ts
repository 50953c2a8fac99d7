import { watch, type FSWatcher } from 'node:fs';
import { formatIssue, loadConfig } from '@mcpgate/config';
import type { Logger } from '@mcpgate/core';
import { SERVING_CHECKS } from './config-checks.js';
import type { Runtime } from './compose.js';

export interface ConfigWatch {
  /** Re-reads the config now (what SIGHUP does). */
  reload(): Promise<void>;
  stop(): void;
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
): ConfigWatch {
  const log = logger.child({ component: 'reload' });
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const doReload = async (): Promise<void> => {
    const result = await loadConfig({ path, env, cwd, checks: SERVING_CHECKS });
    if (!result.ok) {
      log.error(
        { errors: result.errors.map((i) => formatIssue(path, i)) },
        'config not reloaded: the new file has errors; the running config stays',
      );
      return;
    }
    const applied = runtime.reload(result.config);
    if (!applied.ok) {
      log.error(
        { errors: applied.errors },
        'config not reloaded: the new policy is invalid; the running config stays',
      );
      return;
    }
    if (JSON.stringify(result.config.upstreams) !== JSON.stringify(runtime.config.upstreams)) {
      log.warn({}, 'upstream changes need a restart; policy and masking were reloaded');
    }
    if (JSON.stringify(result.config.tracing) !== JSON.stringify(runtime.config.tracing)) {
      log.warn({}, 'tracing changes need a restart; policy and masking were reloaded');
    }
    log.info({ policyVersion: applied.version }, 'config reloaded');
  };

  const reload = (): Promise<void> => (running = running.then(doReload, doReload));
  const onHup = (): void => void reload();
  process.on('SIGHUP', onHup);

  let watcher: FSWatcher | undefined;
  try {
    // Editors replace files (rename) as often as they write them: debounce and re-read either way.
    watcher = watch(path, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 200);
    });
  } catch (err) {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'cannot watch the config file; SIGHUP still reloads',
    );
  }

  return {
    reload,
    stop: () => {
      process.off('SIGHUP', onHup);
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
