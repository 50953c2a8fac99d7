import type { JsonObject, Logger } from '@mcpgate/core';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { ReplicaUnreachable, type ReplicaLink } from './replica-link.js';
import type { SessionDirectory, SessionRecord } from './session-directory.js';
import type { RequestScope } from './sessions.js';

/** Message kind a replica sends the replica holding an `/sse` stream. */
export const SSE_POST = 'sse-post';

/** How long the replica holding the stream has to take a forwarded message before it counts as gone. */
const FORWARD_TIMEOUT_MS = 5_000;
/** Session rows a replica remembers for forwarding (a cache: a miss costs one read). */
const CACHE_MAX = 10_000;

export type ForwardOutcome =
  /** The replica holding the stream took the messages. */
  | { readonly kind: 'accepted' }
  /** No such live session, or its stream (or replica) is gone: the client reconnects `/sse`. */
  | { readonly kind: 'gone' }
  /** The session exists and belongs to someone else. */
  | { readonly kind: 'foreign'; readonly record: SessionRecord };

/** What the replica holding the stream receives (the caller's identity as proven on the POST). */
export interface SsePostBody extends JsonObject {
  readonly session: string;
  readonly ownerKey: string;
  readonly identity: JsonObject;
  readonly messages: JsonObject[];
}

/**
 * Scale-out for the legacy HTTP+SSE transport: the `GET /sse` stream lives on one replica, the
 * client's `POST /messages?sessionId=…` may reach any. The replica receiving the POST finds the
 * session's row (`kind = 'sse'`, `pinned_to` = the stream's replica), checks the caller against its
 * owner key — the same check as for a local session — and hands the messages over through the
 * ReplicaLink; it answers `202` only once the holder took them, so the client's messages keep their
 * order. The holder checks the owner key again (defence in depth) before feeding its transport.
 */
export class SseForwarder {
  /** Rows by id hash, so a session's later POSTs on this replica skip the read. */
  private readonly rows = new Map<string, SessionRecord>();

  constructor(
    private readonly link: ReplicaLink,
    private readonly directory: SessionDirectory,
    private readonly logger: Logger,
  ) {}

  async forward(
    idHash: string,
    scope: RequestScope,
    messages: readonly JSONRPCMessage[],
  ): Promise<ForwardOutcome> {
    let record = this.rows.get(idHash);
    if (!record) {
      record = await this.directory.find(idHash, 'sse');
      if (!record || record.pinnedTo === undefined) return { kind: 'gone' };
      this.rows.set(idHash, record);
      if (this.rows.size > CACHE_MAX) this.rows.delete(this.rows.keys().next().value!);
    }
    if (record.ownerKey !== scope.ownerKey) return { kind: 'foreign', record };
    const body: SsePostBody = {
      session: idHash,
      ownerKey: scope.ownerKey,
      identity: scope.identity as unknown as JsonObject,
      messages: messages as unknown as JsonObject[],
    };
    try {
      const reply = await this.link.call(record.pinnedTo!, SSE_POST, body, FORWARD_TIMEOUT_MS);
      if (reply.unknown === true) {
        this.rows.delete(idHash);
        return { kind: 'gone' };
      }
      return { kind: 'accepted' };
    } catch (err) {
      if (!(err instanceof ReplicaUnreachable)) throw err;
      this.rows.delete(idHash);
      this.logger.info(
        { session: record.info.id, replica: record.pinnedTo },
        'replica holding the /sse stream did not answer; answered 404',
      );
      return { kind: 'gone' };
    }
  }

  /** A session ended (on any replica): its row is no longer good for forwarding. */
  forget(idHash: string): void {
    this.rows.delete(idHash);
  }
}
