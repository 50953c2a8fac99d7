/** Calls on this replica waiting for an approval to change, keyed by approval id. */
export class Waiters {
  private readonly byId = new Map<string, Set<() => void>>();

  add(id: string, wake: () => void): () => void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.byId.delete(id);
    };
  }

  count(id: string): number {
    return this.byId.get(id)?.size ?? 0;
  }

  wake(id: string): void {
    for (const w of this.byId.get(id) ?? []) w();
  }
}
