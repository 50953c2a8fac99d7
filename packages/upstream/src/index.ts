export { createUpstreamPool, McpUpstreamPool } from './pool.js';
export type { UpstreamPoolOptions } from './pool.js';
export { McpUpstreamConnection, MODERN_PROTOCOL_VERSION } from './connection.js';
export { limitedFetch } from './size-limit.js';
