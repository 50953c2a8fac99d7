export type GrantStatus = 'pending' | 'approved' | 'denied' | 'revoked' | 'expired';

/** One just-in-time access request and what became of it. */
export interface GrantRecord {
  readonly id: string;
  readonly requester: string;
  readonly upstream: string;
  /** Tool name glob the grant covers (`*` = every tool of the upstream the rule governs). */
  readonly tool: string;
  /** The require_grant rule that governs it (reviewers, maximum duration). */
  readonly rule: string;
  readonly reason: string;
  readonly requestedMs: number;
  /** After the cap by the rule's maximum duration. */
  readonly durationMs: number;
  readonly status: GrantStatus;
  readonly createdAt: Date;
  readonly decidedBy?: string;
  readonly decidedAt?: Date;
  readonly decisionReason?: string;
  /** Set on approval: approval time + duration. */
  readonly expiresAt?: Date;
  readonly revokedBy?: string;
  readonly revokedAt?: Date;
}

export type GrantPatch = Partial<
  Pick<
    GrantRecord,
    'status' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'expiresAt' | 'revokedBy' | 'revokedAt'
  >
>;

export interface GrantFilter {
  readonly requester?: string;
  readonly statuses?: readonly GrantStatus[];
}

/** Persistence for grants: SQL (Postgres/PGlite, shared by replicas) or memory (tests, no store). */
export interface GrantStore {
  insert(g: GrantRecord): Promise<void>;
  get(id: string): Promise<GrantRecord | undefined>;
  /** Compare-and-set on status, so two reviewers deciding at once cannot both win. */
  update(id: string, expected: GrantStatus, patch: GrantPatch): Promise<GrantRecord | undefined>;
  list(filter: GrantFilter): Promise<GrantRecord[]>;
  /** Approved grants of a requester on an upstream that have not expired at `now`. */
  active(requester: string, upstream: string, now: Date): Promise<GrantRecord[]>;
  /** Marks approved grants whose time is up as expired and returns them. */
  expireDue(now: Date): Promise<GrantRecord[]>;
}
