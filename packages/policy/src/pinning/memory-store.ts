import type { JsonObject } from '@mcpgate/core';
import type { PinRecord, PinStore } from './types.js';

/** Pins in process memory: tests and gateways without a store (lost at restart: TOFU again). */
export class MemoryPinStore implements PinStore {
  private readonly rows = new Map<string, PinRecord>();
  private readonly listeners = new Set<() => void>();

  load(upstream?: string): Promise<PinRecord[]> {
    return Promise.resolve(
      [...this.rows.values()].filter((p) => upstream === undefined || p.upstream === upstream),
    );
  }

  saveSeen(
    upstream: string,
    tool: string,
    hash: string,
    definition: JsonObject,
    now: Date,
    trust: boolean,
  ): Promise<void> {
    const key = `${upstream}\u0000${tool}`;
    const prev = this.rows.get(key);
    this.rows.set(key, {
      upstream,
      tool,
      ...(trust
        ? {
            approvedHash: hash,
            approvedDefinition: definition,
            approvedBy: 'trust-on-first-use',
            approvedAt: now,
          }
        : prev?.approvedHash !== undefined
          ? {
              approvedHash: prev.approvedHash,
              approvedDefinition: prev.approvedDefinition!,
              ...(prev.approvedBy !== undefined ? { approvedBy: prev.approvedBy } : {}),
              ...(prev.approvedAt !== undefined ? { approvedAt: prev.approvedAt } : {}),
            }
          : {}),
      seenHash: hash,
      seenDefinition: definition,
      firstSeenAt: prev?.firstSeenAt ?? now,
      changedAt: now,
    });
    return Promise.resolve();
  }

  approve(upstream: string, tool: string, hash: string, by: string, now: Date): Promise<boolean> {
    const key = `${upstream}\u0000${tool}`;
    const p = this.rows.get(key);
    if (!p || p.seenHash !== hash) return Promise.resolve(false);
    this.rows.set(key, {
      ...p,
      approvedHash: hash,
      approvedDefinition: p.seenDefinition,
      approvedBy: by,
      approvedAt: now,
    });
    return Promise.resolve(true);
  }

  onChange(listener: () => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return Promise.resolve(() => {
      this.listeners.delete(listener);
      return Promise.resolve();
    });
  }

  notifyChange(): Promise<void> {
    for (const l of this.listeners) l();
    return Promise.resolve();
  }
}
