import type { JsonObject } from '@mcpgate/core';

/** One upstream tool's pin: the definition an operator accepted and the one last seen. */
export interface PinRecord {
  readonly upstream: string;
  readonly tool: string;
  /** Absent for a tool never accepted (new since the upstream was first trusted). */
  readonly approvedHash?: string;
  readonly approvedDefinition?: JsonObject;
  readonly seenHash: string;
  readonly seenDefinition: JsonObject;
  readonly firstSeenAt: Date;
  readonly changedAt: Date;
  readonly approvedBy?: string;
  readonly approvedAt?: Date;
}

export type PinStatus = 'pinned' | 'changed' | 'new';

export function pinStatus(p: PinRecord): PinStatus {
  if (p.approvedHash === undefined) return 'new';
  return p.approvedHash === p.seenHash ? 'pinned' : 'changed';
}

/** Persistence for pins; the SQL store also tells other replicas when an operator approves. */
export interface PinStore {
  load(upstream?: string): Promise<PinRecord[]>;
  /** Inserts or replaces the seen definition; `trust` also accepts it (trust on first use). */
  saveSeen(
    upstream: string,
    tool: string,
    hash: string,
    definition: JsonObject,
    now: Date,
    trust: boolean,
  ): Promise<void>;
  /** Accepts the seen definition if it still has `hash`; false when it changed meanwhile. */
  approve(upstream: string, tool: string, hash: string, by: string, now: Date): Promise<boolean>;
  /** Calls back when pins change elsewhere (another replica, the CLI). Returns an unsubscribe. */
  onChange(listener: () => void): Promise<() => Promise<void>>;
  notifyChange(): Promise<void>;
}
