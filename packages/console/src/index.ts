export { createConsole } from './handler.js';
export type { ConsoleHandle } from './handler.js';
export { certificatePem, consoleConfigIssues, consolePublicUrl } from './config-check.js';
export { createSessionsAdminHandler } from './api/sessions.js';
export { createAuditAdminHandler } from './api/audit.js';
export { createKeysAdminHandler } from './api/keys.js';
export { createPinsAdminHandler } from './api/pins.js';
export { createOverviewAdminHandler } from './api/overview.js';
export { AuditLagHistory } from './api/lag-history.js';
