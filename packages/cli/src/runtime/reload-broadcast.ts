import { randomUUID } from 'node:crypto';
import type { Logger, SqlClient } from '@mcpgate/core';
import type { ConfigWatch, ReloadOutcome } from './reload.js';

const CHANNEL = 'mcpgate_config_reload';

export interface ReloadBroadcast {
  /** Tells the other replicas this one reloaded (not when the reload came from another replica). */
  announce(outcome: ReloadOutcome): void;
  stop(): Promise<void>;
}

interface Announcement {
  readonly from?: unknown;
  readonly replica?: unknown;
  readonly policyVersion?: unknown;
  readonly configVersion?: unknown;
}

/**
 * Scale-out: one reload reloads every replica on the store. Each replica reads its own config
 * file (the same file, mounted or copied onto each); a reload on one of them — SIGHUP, or its
 * file watch — is announced on channel `mcpgate_config_reload`, and every other replica re-reads
 * its own file at once. So a file replaced where no watch sees it (a Kubernetes ConfigMap swaps
 * a symlink) needs one signal, not one per replica. Announcements never carry the config: each
 * replica applies what its own file says, and says so loudly when that differs from the
 * announcing replica's (`/readyz` shows each replica's versions).
 */
export async function shareReloads(
  sql: SqlClient,
  replica: string,
  watch: ConfigWatch,
  logger: Logger,
): Promise<ReloadBroadcast> {
  const log = logger.child({ component: 'reload' });
  // A process id, not the replica id: a replica restarted under the same name is another sender.
  const self = randomUUID();
  const unlisten = await sql.listen(CHANNEL, (payload) => {
    let msg: Announcement;
    try {
      msg = JSON.parse(payload) as Announcement;
    } catch {
      return;
    }
    if (msg.from === self || typeof msg.configVersion !== 'string') return;
    // Its own watch already applied the same file (every replica watching one changed file).
    if (msg.configVersion === watch.configVersion()) return;
    log.info(
      { replica: msg.replica, configVersion: msg.configVersion },
      'another replica reloaded its config; re-reading this one',
    );
    void watch.reload('replica').then((outcome) => {
      if (outcome?.configVersion === msg.configVersion) return;
      log.warn(
        {
          replica: msg.replica,
          theirs: msg.configVersion,
          ours: outcome?.configVersion ?? watch.configVersion(),
        },
        "this replica's config differs from the reloaded replica's: give every replica the same file",
      );
    });
  });
  return {
    announce(outcome) {
      if (outcome.trigger === 'replica') return;
      sql
        .notify(
          CHANNEL,
          JSON.stringify({
            from: self,
            replica,
            policyVersion: outcome.policyVersion,
            configVersion: outcome.configVersion,
          }),
        )
        .catch((err: unknown) =>
          log.warn({ err: String(err) }, 'reload not announced to the other replicas; signal each one'),
        );
    },
    stop: () => unlisten().catch(() => undefined),
  };
}
