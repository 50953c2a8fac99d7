import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * Per-session event buffer for `Last-Event-ID` resumption, bounded by count: the oldest events are
 * dropped first, so a client that reconnects too late gets what is left (the SDK then replays
 * nothing for an unknown id) and a session can never grow memory without bound.
 */
export class BoundedEventStore implements EventStore {
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  private seq = 0;

  constructor(private readonly capacity: number) {}

  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${++this.seq}`;
    if (this.capacity === 0) return Promise.resolve(id);
    this.events.set(id, { streamId, message });
    while (this.events.size > this.capacity) {
      const oldest = this.events.keys().next().value as string;
      this.events.delete(oldest);
    }
    return Promise.resolve(id);
  }

  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.events.get(eventId)?.streamId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const from = this.events.get(lastEventId);
    if (!from) throw new Error('Last-Event-ID is unknown or no longer buffered');
    let after = false;
    for (const [id, ev] of this.events) {
      if (id === lastEventId) {
        after = true;
        continue;
      }
      if (after && ev.streamId === from.streamId) await send(id, ev.message);
    }
    return from.streamId;
  }

  get size(): number {
    return this.events.size;
  }
}
