import type { UpstreamEvent } from '@mcpgate/core';

/**
 * What the SDK client's handlers report upward: list changes and upstream events. Its own module
 * so the client factory and the handlers need not import the connection that uses them.
 */
export interface ConnectionEvents {
  /** The upstream said a list changed (legacy notification or modern subscription). */
  onListChanged(kind: 'tools' | 'prompts' | 'resources'): void;
  onEvent(event: UpstreamEvent): void;
}
