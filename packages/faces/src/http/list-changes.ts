import type { Gateway, Logger, SqlClient } from '@mcpgate/core';

const CHANNEL = 'mcpgate_list_changed';
const KINDS = new Set(['tools', 'prompts', 'resources', 'resourceTemplates']);

/**
 * Scale-out: an upstream's `list_changed` seen by one replica reaches the sessions every replica
 * holds. Each replica runs its own upstream connections, so a change one of them announces (a
 * remote server's broadcast, a stdio child changed by a call) may be seen by that replica only;
 * it NOTIFYs channel `mcpgate_list_changed` and the other replicas tell their sessions to re-list
 * (a session's GET stream may be held by any of them). Returns the function that stops it.
 */
export async function shareListChanges(
  sql: SqlClient,
  tag: string,
  gateway: Gateway,
  logger: Logger,
): Promise<() => Promise<void>> {
  let stopped = false;
  gateway.pool.onEvent((e) => {
    if (stopped || e.type !== 'list_changed') return;
    void sql
      .notify(CHANNEL, JSON.stringify({ from: tag, kind: e.kind }))
      .catch((err: unknown) =>
        logger.warn({ err: String(err) }, 'list change not announced to other replicas'),
      );
  });
  const unlisten = await sql.listen(CHANNEL, (payload) => {
    let msg: { from?: unknown; kind?: unknown };
    try {
      msg = JSON.parse(payload) as { from?: unknown; kind?: unknown };
    } catch {
      return;
    }
    if (msg.from === tag || typeof msg.kind !== 'string' || !KINDS.has(msg.kind)) return;
    const kind =
      msg.kind === 'resourceTemplates' ? 'resources' : (msg.kind as 'tools' | 'prompts' | 'resources');
    logger.debug({ replica: msg.from, kind }, 'list change from another replica');
    gateway.announceListsChanged([kind]);
  });
  return async () => {
    stopped = true;
    await unlisten().catch(() => undefined);
  };
}
