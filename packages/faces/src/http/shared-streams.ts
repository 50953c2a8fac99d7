import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Logger, SqlClient } from '@mcpgate/core';
import type { ReplicaLink } from './replica-link.js';

const CHANNEL = 'mcpgate_stream_events';
/** How long the replica that wrote a stream has to put it in the store when another asks. */
const SPILL_WAIT_MS = 5_000;

/** One event of a stream: its id, and its message (undefined for a priming event). */
export type StreamEvent = readonly [id: string, message: JSONRPCMessage | undefined];

interface Row {
  seq: number;
  event_id: string;
  message: JSONRPCMessage | string | null;
  final: boolean;
}

/** A stream another replica wrote, as this replica replays and follows it. */
export interface SharedTail {
  /** The events after the client's Last-Event-ID known so far. */
  readonly events: readonly StreamEvent[];
  /** The stream ended: nothing more will come. */
  readonly final: boolean;
  /** Follows the stream: `onEvents` for each batch, until it ends or `stop()`. */
  follow(onEvents: (events: readonly StreamEvent[], final: boolean) => void): void;
  stop(): void;
}

/**
 * `Last-Event-ID` resumption across replicas. A replica keeps each session's recent events in
 * memory (server.resumptionBuffer); nothing is written to the store while a client stays
 * connected. When a stream's connection drops before the stream is over, its owner *spills* it:
 * the buffered events go to `mcpgate_stream_events`, and so does every later event of that
 * stream, each announced on channel `mcpgate_stream_events`. Any replica then serves the client's
 * GET with Last-Event-ID from the store and follows the stream live. If the GET arrives before
 * the owner noticed the drop, the replica asks the owner to spill at once (ReplicaLink).
 * Spilled rows are bounded per stream (the buffer size) and by age (server.resumptionMaxAge).
 */
export class SharedStreams {
  private readonly followers = new Map<string, Set<() => void>>();
  private unlisten: (() => Promise<void>) | undefined;
  /** Spills are written in order per stream (a stream's events must not overtake each other). */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly sql: SqlClient,
    private readonly link: ReplicaLink,
    private readonly logger: Logger,
    private readonly capacity: number,
  ) {}

  get tag(): string {
    return this.link.tag;
  }

  async start(): Promise<void> {
    this.unlisten = await this.sql.listen(CHANNEL, (stream) => {
      for (const wake of this.followers.get(stream) ?? []) wake();
    });
  }

  /** The replica that wrote a stream: `<tag>.<stream>_<n>` → tag. */
  static ownerOf(eventId: string): string | undefined {
    const dot = eventId.indexOf('.');
    return dot > 0 ? eventId.slice(0, dot) : undefined;
  }

  static streamOf(eventId: string): string | undefined {
    const at = eventId.lastIndexOf('_');
    return at > 0 ? eventId.slice(0, at) : undefined;
  }

  static seqOf(eventId: string): number {
    return Number(eventId.slice(eventId.lastIndexOf('_') + 1));
  }

  /** Resolves once every spill of `stream` queued so far is written. */
  flushed(stream: string): Promise<void> {
    return this.queues.get(stream) ?? Promise.resolve();
  }

  /** Owner side: stores events of a spilled stream (after those already stored), in order. */
  persist(session: string, stream: string, events: readonly StreamEvent[], final: boolean): Promise<void> {
    const prior = this.queues.get(stream) ?? Promise.resolve();
    const next = prior
      .then(() => this.write(session, stream, events, final))
      .catch((err: unknown) =>
        this.logger.warn(
          { err: String(err), stream },
          'resumable events not stored; resumption elsewhere fails',
        ),
      );
    this.queues.set(stream, next);
    void next.then(() => {
      if (this.queues.get(stream) === next) this.queues.delete(stream);
    });
    return next;
  }

  private async write(
    session: string,
    stream: string,
    events: readonly StreamEvent[],
    final: boolean,
  ): Promise<void> {
    const rows = events.map(([id, message]) => ({
      seq: SharedStreams.seqOf(id),
      id,
      message: message === undefined ? null : JSON.stringify(message),
    }));
    if (final) {
      const last = rows.at(-1)?.seq ?? 0;
      rows.push({ seq: last + 0.5, id: '', message: null });
    }
    if (rows.length === 0) return;
    // One statement: rows (ignoring any already stored), trimmed to the buffer size, announced.
    await this.sql.query(
      `WITH ins AS (
         INSERT INTO mcpgate_stream_events (session_hash, stream, seq, event_id, message, final)
         SELECT $1, $2, r.seq, r.event_id, r.message::jsonb, r.final
         FROM jsonb_to_recordset($3::jsonb) AS r(seq double precision, event_id text, message text, final boolean)
         ON CONFLICT (session_hash, stream, seq) DO NOTHING RETURNING seq),
       trim AS (
         DELETE FROM mcpgate_stream_events
         WHERE session_hash = $1 AND stream = $2
           AND seq <= (SELECT max(seq) FROM ins) - $4 AND NOT final)
       SELECT pg_notify('${CHANNEL}', $2)`,
      [
        session,
        stream,
        JSON.stringify(
          rows.map((r) => ({ seq: r.seq, event_id: r.id, message: r.message, final: r.id === '' })),
        ),
        this.capacity,
      ],
    );
  }

  /**
   * Any replica: the events after `lastEventId` of a stream of `session`, from the store (asking
   * the owner to spill first when the store has none yet); undefined when the id is unknown.
   */
  async open(session: string, lastEventId: string): Promise<SharedTail | undefined> {
    const stream = SharedStreams.streamOf(lastEventId);
    const owner = SharedStreams.ownerOf(lastEventId);
    if (!stream || !owner) return undefined;
    const after = SharedStreams.seqOf(lastEventId);
    let wake: (() => void) | undefined;
    const set = this.followers.get(stream) ?? new Set();
    this.followers.set(stream, set);
    const stop = (): void => {
      if (wake) set.delete(wake);
      if (set.size === 0 && this.followers.get(stream) === set) this.followers.delete(stream);
    };
    // Listening before the first read: an event stored meanwhile is not missed.
    let pending = false;
    wake = () => void (pending = true);
    set.add(wake);
    let rows = await this.read(session, stream, -1);
    if (!rows.some((r) => r.event_id === lastEventId) && owner !== this.tag) {
      const spilled = await this.link
        .call(owner, 'stream-spill', { session, stream }, SPILL_WAIT_MS)
        .catch(() => ({ unknown: true }));
      if (spilled.unknown !== true) rows = await this.read(session, stream, -1);
    }
    if (!rows.some((r) => r.event_id === lastEventId)) {
      stop();
      return undefined;
    }
    let seen = Math.max(after, ...rows.map((r) => r.seq));
    const later = rows.filter((r) => r.seq > after);
    const final = later.some((r) => r.final);
    const tail: SharedTail = {
      events: toEvents(later),
      final,
      follow: (onEvents) => {
        let reading = false;
        const pull = (): void => {
          if (reading) {
            pending = true;
            return;
          }
          reading = true;
          pending = false;
          void this.read(session, stream, seen)
            .then((more) => {
              if (more.length === 0) return;
              seen = Math.max(seen, ...more.map((r) => r.seq));
              const ended = more.some((r) => r.final);
              onEvents(toEvents(more), ended);
              if (ended) stop();
            })
            .catch((err: unknown) =>
              this.logger.warn({ err: String(err), stream }, 'resumed stream read failed'),
            )
            .finally(() => {
              reading = false;
              if (pending) pull();
            });
        };
        set.delete(wake!);
        wake = pull;
        set.add(wake);
        if (pending) pull();
      },
      stop,
    };
    if (final) stop();
    return tail;
  }

  private async read(session: string, stream: string, after: number): Promise<Row[]> {
    const r = await this.sql.query<Row>(
      `SELECT seq, event_id, message, final FROM mcpgate_stream_events
       WHERE stream = $1 AND session_hash = $2 AND seq > $3 ORDER BY seq`,
      [stream, session, after],
    );
    return r.rows;
  }

  /** Deletes spilled events older than `maxAgeMs`. */
  async purge(maxAgeMs: number): Promise<void> {
    await this.sql.query(
      `DELETE FROM mcpgate_stream_events WHERE created_at < now() - make_interval(secs => $1)`,
      [maxAgeMs / 1000],
    );
  }

  async close(): Promise<void> {
    await this.unlisten?.().catch(() => undefined);
  }
}

function toEvents(rows: readonly Row[]): StreamEvent[] {
  return rows
    .filter((r) => !r.final)
    .map((r) => [
      r.event_id,
      r.message === null
        ? undefined
        : typeof r.message === 'string'
          ? (JSON.parse(r.message) as JSONRPCMessage)
          : r.message,
    ]);
}
