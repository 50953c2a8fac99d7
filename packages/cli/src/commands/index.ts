import type { Command } from '../command.js';
import { migrateCommand } from './migrate.js';
import { auditVerifyCommand } from './audit-verify.js';
import { auditQueryCommand } from './audit-query.js';
import { auditSessionsCommand } from './audit-sessions.js';
import { auditReplayCommand } from './audit-replay.js';
import { auditExportCommand } from './audit-export.js';
import { auditPurgeCommand } from './audit-purge.js';
import { accessApproveCommand } from './access-approve.js';
import { accessDenyCommand } from './access-deny.js';
import { accessListCommand } from './access-list.js';
import { accessRequestCommand } from './access-request.js';
import { accessRevokeCommand } from './access-revoke.js';
import { approvalsApproveCommand } from './approvals-approve.js';
import { approvalsDenyCommand } from './approvals-deny.js';
import { approvalsListCommand } from './approvals-list.js';
import { approvalsShowCommand } from './approvals-show.js';
import { policyExplainCommand } from './policy-explain.js';
import { policyTestCommand } from './policy-test.js';
import { toolsApproveCommand } from './tools-approve.js';
import { toolsDiffCommand } from './tools-diff.js';
import { auditUnsealCommand } from './audit-unseal.js';
import { connectCommand } from './connect.js';
import { keysCreateCommand } from './keys-create.js';
import { keysListCommand } from './keys-list.js';
import { keysRevokeCommand } from './keys-revoke.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { sealKeygenCommand } from './seal-keygen.js';
import { serveCommand } from './serve.js';
import { stdioCommand } from './stdio.js';
import { validateCommand } from './validate.js';

/**
 * Every `mcpgate` subcommand, in help order. Each lives in its own file under commands/;
 * add one import and one entry here per command.
 */
export const COMMANDS: readonly Command[] = [
  stdioCommand,
  serveCommand,
  connectCommand,
  validateCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  loginCommand,
  logoutCommand,
  sealKeygenCommand,
  auditUnsealCommand,
  policyExplainCommand,
  policyTestCommand,
  accessRequestCommand,
  accessApproveCommand,
  accessDenyCommand,
  accessListCommand,
  accessRevokeCommand,
  approvalsListCommand,
  approvalsShowCommand,
  approvalsApproveCommand,
  approvalsDenyCommand,
  toolsDiffCommand,
  toolsApproveCommand,
  migrateCommand,
  auditVerifyCommand,
  auditQueryCommand,
  auditSessionsCommand,
  auditReplayCommand,
  auditExportCommand,
  auditPurgeCommand,
];
