import { canonicalHash } from '@mcpgate/core';
import type { GatewayConfig } from './types.js';

/**
 * The config (and policy) version: a SHA-256 over the canonical JSON of the loaded config, so it
 * changes exactly when the effective config changes — not on comments, key order or formatting.
 * It covers resolved secret values too, so a rotated token yields a new version; the hash itself
 * reveals nothing about them.
 */
export function configHash(config: GatewayConfig): string {
  return canonicalHash(config);
}
