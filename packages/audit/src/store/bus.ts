/** In-process LISTEN/NOTIFY for the embedded store (one process owns a PGlite directory). */
export class LocalBus {
  private readonly channels = new Map<string, Set<(payload: string) => void>>();

  subscribe(channel: string, fn: (payload: string) => void): () => void {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.channels.delete(channel);
    };
  }

  publish(channel: string, payload: string): void {
    const set = this.channels.get(channel);
    if (!set) return;
    // Deliver asynchronously, like a real NOTIFY: the notifier never runs listener code inline.
    for (const fn of [...set]) queueMicrotask(() => fn(payload));
  }
}
