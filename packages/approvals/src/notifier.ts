import type { ApprovalRecord } from './types.js';

/** What happened to an approval, as announced to notification channels (webhook `event` field). */
export type NoticeKind =
  'requested' | 'decision' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'executed';

/** The outcome of announcing one notice to one target; recorded as `approval.notified`. */
export interface DeliveryReport {
  /** Where it went, without secrets or query string (`https://hooks.example.com/services/…`). */
  readonly target: string;
  readonly channel: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

/** A notification channel (webhooks). Delivery runs off the data path; the service records the reports. */
export interface ApprovalNotifier {
  deliver(kind: NoticeKind, approval: ApprovalRecord): Promise<DeliveryReport[]>;
  close?(): Promise<void>;
}
