import { Client, type Implementation, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import type { UpstreamSpec } from '@mcpgate/core';
import type { ConnectionEvents } from './events.js';

/** The modern protocol revision a `era: modern` upstream is pinned to. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The SDK client for one connection, configured the way a gateway needs it. */
export function createClient(
  spec: UpstreamSpec,
  clientInfo: Implementation,
  hooks: ConnectionEvents,
): Client {
  return new Client(clientInfo, {
    // Declared so legacy upstreams may ask; each request is refused if the caller's client lacks it.
    capabilities: { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} },
    versionNegotiation: { mode: negotiationMode(spec), probe: { timeoutMs: spec.startTimeoutMs } },
    inputRequired: { autoFulfill: false },
    // On a modern connection this opens `subscriptions/listen`; on legacy it wires the notifications.
    listChanged: {
      tools: { autoRefresh: false, debounceMs: 0, onChanged: () => hooks.onListChanged('tools') },
      prompts: { autoRefresh: false, debounceMs: 0, onChanged: () => hooks.onListChanged('prompts') },
      resources: {
        autoRefresh: false,
        debounceMs: 0,
        onChanged: () => hooks.onListChanged('resources'),
      },
    },
  });
}

function negotiationMode(spec: UpstreamSpec): VersionNegotiationMode {
  // HTTP+SSE is a 2024-11-05 transport with no modern-era form: probing over it only races the
  // endpoint event (a probe POSTed before the server named its message endpoint fails).
  if (spec.era === 'legacy' || (spec.era === 'auto' && spec.transport === 'sse')) return 'legacy';
  if (spec.era === 'modern') return { pin: MODERN_PROTOCOL_VERSION };
  return 'auto';
}

/**
 * Closes a client whose connect we gave up on. The SDK may still be negotiating — on stdio its
 * probe runs first and the real child is spawned only afterwards — so closing once is not enough:
 * wait (bounded) for connect to settle and close again, so nothing it starts outlives us.
 */
export async function reap(client: Client, connecting: Promise<void>, boundMs: number): Promise<void> {
  await client.close().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    connecting.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), boundMs))),
  ]);
  clearTimeout(timer);
  if (settled) await client.close().catch(() => undefined);
  else void connecting.then(() => client.close()).catch(() => undefined);
}
