/**
 * Where policy's own events go (grant requested/approved/denied/revoked/expired, tool pin
 * changes). The audit package's recorder satisfies it through `auditSinkFromRecorder`; every
 * event lands in the hash-chained log like any other.
 */
export interface PolicyAuditSink {
  record(eventType: string, payload: Readonly<Record<string, unknown>>): Promise<void>;
}

/** Event types policy emits. Stable: audit queries and replays key on them. */
export const POLICY_EVENTS = {
  grantRequested: 'grant.requested',
  grantApproved: 'grant.approved',
  grantDenied: 'grant.denied',
  grantRevoked: 'grant.revoked',
  grantExpired: 'grant.expired',
  pinTrusted: 'pin.trusted',
  pinChanged: 'pin.changed',
  pinNew: 'pin.new',
  pinApproved: 'pin.approved',
} as const;

/** The recorder surface used (structurally: @mcpgate/audit's AuditRecorder.append). */
export interface EventAppender {
  append(input: {
    readonly type: string;
    readonly subject?: string;
    readonly upstream?: string;
    readonly target?: string;
    readonly body: Readonly<Record<string, unknown>>;
  }): Promise<unknown>;
}

/** Adapts the audit recorder: `actor` becomes the event subject, `upstream`/`tool` its target. */
export function auditSinkFromRecorder(recorder: EventAppender): PolicyAuditSink {
  return {
    async record(type, payload) {
      const str = (k: string): string | undefined => {
        const v = payload[k];
        return typeof v === 'string' ? v : undefined;
      };
      await recorder.append({
        type,
        ...(str('actor') !== undefined ? { subject: str('actor') } : {}),
        ...(str('upstream') !== undefined ? { upstream: str('upstream') } : {}),
        ...(str('tool') !== undefined ? { target: str('tool') } : {}),
        body: payload,
      });
    },
  };
}

/** For tests and for a gateway without a store: keeps events in memory. */
export class MemoryAuditSink implements PolicyAuditSink {
  readonly events: { type: string; payload: Readonly<Record<string, unknown>> }[] = [];
  record(type: string, payload: Readonly<Record<string, unknown>>): Promise<void> {
    this.events.push({ type, payload });
    return Promise.resolve();
  }
}
