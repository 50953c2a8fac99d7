import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';

/**
 * Per-session event buffer for `Last-Event-ID` resumption, bounded by count: the oldest events are
 * dropped first, so a client that reconnects too late gets what is left (nothing is replayed for
 * an unknown id) and a session can never grow memory without bound. The synchronous methods are
 * what the gateway's own transport uses; the EventStore methods wrap them for the SDK's.
 */
export class BoundedEventStore implements EventStore {
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  private seq = 0;

  constructor(private readonly capacity: number) {}

  /** Stores one event and returns its id (`<streamId>_<n>`). */
  put(streamId: string, message: JSONRPCMessage): string {
    const id = `${streamId}_${++this.seq}`;
    if (this.capacity === 0) return id;
    this.events.set(id, { streamId, message });
    while (this.events.size > this.capacity) {
      const oldest = this.events.keys().next().value as string;
      this.events.delete(oldest);
    }
    return id;
  }

  /** The stream an event belongs to, if it is still buffered. */
  streamOf(eventId: string): string | undefined {
    return this.events.get(eventId)?.streamId;
  }

  /** Events of the same stream after `lastEventId`, oldest first; undefined if it is not buffered. */
  after(lastEventId: string): { streamId: string; events: [string, JSONRPCMessage][] } | undefined {
    const from = this.events.get(lastEventId);
    if (!from) return undefined;
    const events: [string, JSONRPCMessage][] = [];
    let seen = false;
    for (const [id, ev] of this.events) {
      if (id === lastEventId) seen = true;
      else if (seen && ev.streamId === from.streamId) events.push([id, ev.message]);
    }
    return { streamId: from.streamId, events };
  }

  /** Every buffered event of one stream, oldest first. */
  of(streamId: string): [string, JSONRPCMessage][] {
    const out: [string, JSONRPCMessage][] = [];
    for (const [id, ev] of this.events) if (ev.streamId === streamId) out.push([id, ev.message]);
    return out;
  }

  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    return Promise.resolve(this.put(streamId, message));
  }

  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.streamOf(eventId));
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const found = this.after(lastEventId);
    if (!found) throw new Error('Last-Event-ID is unknown or no longer buffered');
    for (const [id, message] of found.events) await send(id, message);
    return found.streamId;
  }

  get size(): number {
    return this.events.size;
  }
}
