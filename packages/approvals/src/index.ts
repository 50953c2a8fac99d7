export {
  ApprovalService,
  APPROVALS_CHANNEL,
  DEFAULT_DEFER_WINDOW_MS,
  DEFAULT_TIMEOUT_MS,
  isReviewerOf,
} from './service.js';
export type { ApprovalServiceOptions, DecideOptions, RequestInput, Reviewer } from './service.js';
export { ApprovalGate, bindingOf, boundArguments } from './gate.js';
export type { ApprovalGateOptions } from './gate.js';
export { waitForDecision } from './wait.js';
export type { WaitOptions, WaitResult } from './wait.js';
export { SqlApprovalStore } from './store.js';
export type { ApprovalBinding, ApprovalFilter, ApprovalPage } from './store.js';
export { APPROVAL_STATUSES, approvalsOf } from './types.js';
export type {
  ApprovalDecision,
  ApprovalRecord,
  ApprovalRule,
  ApprovalStatus,
  DecisionChannel,
  HoldDecision,
} from './types.js';
export { newApprovalId, normalizeApprovalId, isApprovalId } from './ids.js';
export { approvalError, problemOf, PROBLEM_HTTP_STATUS } from './errors.js';
export type { ApprovalProblem } from './errors.js';
export { APPROVAL_EVENTS, approvalEvent } from './events.js';
export type { ApprovalAuditLog, ApprovalEventType } from './events.js';
export { NOTICE_KINDS } from './notifier.js';
export type { ApprovalNotifier, DeliveryReport, NoticeKind } from './notifier.js';
export { WebhookNotifier, redactUrl } from './webhooks/notifier.js';
export type { WebhookNotifierOptions, WebhookTarget } from './webhooks/notifier.js';
export { SIGNATURE_HEADER, verifyWebhookSignature, webhookSignature } from './webhooks/sign.js';
export { approvalLinks, slackMessage } from './webhooks/slack.js';
export type { ApprovalLinks } from './webhooks/slack.js';
export { approvalJson } from './json.js';
export { formatApproval, formatApprovalTable } from './format.js';
export { ADMIN_APPROVALS_PATH, createApprovalsAdminHandler } from './admin/handler.js';
export type { AdminHandler } from './admin/handler.js';
export { ApprovalsClient } from './admin/client.js';
export type { ApprovalsClientOptions, ListQuery } from './admin/client.js';
export { startApprovals } from './setup.js';
export type { ApprovalsConfig, ApprovalsDeps, ApprovalsRuntime } from './setup.js';
