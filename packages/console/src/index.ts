export { createConsole } from './handler.js';
export type { ConsoleHandle, ConsoleOptions } from './handler.js';
export { Assets, CONTENT_SECURITY_POLICY, WEB_DIR } from './assets.js';
export { consoleConfigIssues, consolePublicUrl } from './config-check.js';
export { rolesOf } from './roles.js';
export type { ConsoleRoles, RoleGroups } from './roles.js';
