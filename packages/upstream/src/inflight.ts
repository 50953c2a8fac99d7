import { GatewayError, SERVER_REQUESTS, type CallLink, type JsonObject } from '@mcpgate/core';

interface Entry {
  readonly seq: number;
  readonly method: string;
  readonly call: CallLink | undefined;
  readonly fail: (err: GatewayError) => void;
}

/**
 * The calls currently running on one upstream connection. It answers two questions: which calls to
 * fail when the connection dies, and which downstream call a server→client request belongs to —
 * the protocol does not say, so we infer it from what is in flight and refuse when that is ambiguous.
 */
export class InFlight {
  private readonly entries = new Map<number, Entry>();
  private seq = 0;

  constructor(
    private readonly upstream: string,
    /** Set for a per-session connection: every call on it belongs to this session. */
    private readonly sessionId: string | undefined,
  ) {}

  add(method: string, call: CallLink | undefined, fail: (err: GatewayError) => void): () => void {
    const seq = ++this.seq;
    this.entries.set(seq, { seq, method, call, fail });
    return () => this.entries.delete(seq);
  }

  /** The only call in flight, if there is exactly one. */
  sole(): CallLink | undefined {
    if (this.entries.size !== 1) return undefined;
    return [...this.entries.values()][0]!.call;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Fails every in-flight call at once (the connection is gone). */
  failAll(make: (method: string) => GatewayError): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) e.fail(make(e.method));
  }

  /**
   * The downstream call a server→client request should go to, or a refusal saying why none can be
   * chosen. Per-session connection: that session's most recent call. Shared connection: the most
   * recent call if all in-flight calls come from one session; otherwise ambiguous.
   */
  route(method: string): CallLink {
    const capability = SERVER_REQUESTS[method];
    const calls = [...this.entries.values()].filter((e) => e.call !== undefined);
    const prefix = `cannot route ${method} from upstream "${this.upstream}"`;
    if (calls.length === 0) {
      throw refuse(
        `${prefix}: no call from any client is in flight on this connection, so no client can be asked`,
        this.upstream,
        method,
      );
    }
    const sessions = new Set(calls.map((e) => e.call!.sessionId));
    if (this.sessionId === undefined && sessions.size > 1) {
      throw refuse(
        `${prefix}: calls from ${sessions.size} sessions are in flight on this shared connection; set sharing: per-session`,
        this.upstream,
        method,
        { sessions: sessions.size },
      );
    }
    const latest = calls.reduce((a, b) => (b.seq > a.seq ? b : a));
    const call = latest.call!;
    if (capability !== undefined && call.clientCapabilities?.[capability] === undefined) {
      throw refuse(
        `${prefix}: the client of session ${call.sessionId} did not declare the ${capability} capability`,
        this.upstream,
        method,
      );
    }
    return call;
  }
}

/**
 * The call a notification (a log line) was sent during, when that is certain: exactly one call is
 * in flight on this connection. Otherwise none — the line is then not tied to any call.
 */
export function soleCall(inflight: InFlight): string | undefined {
  return inflight.sole()?.correlationId;
}

function refuse(message: string, upstream: string, method: string, extra: JsonObject = {}): GatewayError {
  return new GatewayError('cannot_route_server_request', message, { data: { upstream, method, ...extra } });
}
