import type { GrantFilter, GrantPatch, GrantRecord, GrantStatus, GrantStore } from './types.js';

/** In-process grants: for tests and for a gateway running without a store (not shared). */
export class MemoryGrantStore implements GrantStore {
  private readonly rows = new Map<string, GrantRecord>();

  insert(g: GrantRecord): Promise<void> {
    if (this.rows.has(g.id)) return Promise.reject(new Error(`grant ${g.id} exists`));
    this.rows.set(g.id, g);
    return Promise.resolve();
  }

  get(id: string): Promise<GrantRecord | undefined> {
    return Promise.resolve(this.rows.get(id));
  }

  update(id: string, expected: GrantStatus, patch: GrantPatch): Promise<GrantRecord | undefined> {
    const row = this.rows.get(id);
    if (!row || row.status !== expected) return Promise.resolve(undefined);
    const next = { ...row, ...patch };
    this.rows.set(id, next);
    return Promise.resolve(next);
  }

  list(filter: GrantFilter): Promise<GrantRecord[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((g) => filter.requester === undefined || g.requester === filter.requester)
        .filter((g) => filter.statuses === undefined || filter.statuses.includes(g.status))
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
    );
  }

  active(requester: string, upstream: string, now: Date): Promise<GrantRecord[]> {
    return Promise.resolve(
      [...this.rows.values()].filter(
        (g) =>
          g.requester === requester &&
          g.upstream === upstream &&
          g.status === 'approved' &&
          g.expiresAt !== undefined &&
          g.expiresAt.getTime() > now.getTime(),
      ),
    );
  }

  expireDue(now: Date): Promise<GrantRecord[]> {
    const out: GrantRecord[] = [];
    for (const g of this.rows.values()) {
      if (g.status === 'approved' && g.expiresAt !== undefined && g.expiresAt.getTime() <= now.getTime()) {
        const next = { ...g, status: 'expired' as const };
        this.rows.set(g.id, next);
        out.push(next);
      }
    }
    return Promise.resolve(out);
  }
}
