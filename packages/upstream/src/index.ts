export { createUpstreamPool } from './pool.js';
