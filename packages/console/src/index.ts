export { createConsole } from './handler.js';
export type { ConsoleHandle } from './handler.js';
export { consoleConfigIssues, consolePublicUrl } from './config-check.js';
export { createSessionsAdminHandler } from './api/sessions.js';
export { createAuditAdminHandler } from './api/audit.js';
