export { createUpstreamPool, McpUpstreamPool } from './pool.js';
export type { UpstreamPoolOptions } from './pool.js';
export { McpUpstreamConnection } from './connection.js';
export { MODERN_PROTOCOL_VERSION } from './client-factory.js';
