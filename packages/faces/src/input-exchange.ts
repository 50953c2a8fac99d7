import { randomBytes } from 'node:crypto';
import { GatewayError, type JsonObject, type Logger } from '@mcpgate/core';
import { ProtocolError } from '@modelcontextprotocol/server';
import type { ReplicaLink } from './http/replica-link.js';

/**
 * Translates a server→client request that a legacy upstream pushes mid-call (elicitation,
 * sampling, roots) into the modern era's multi-round-trip: the call answers `input_required`
 * with a `requestState` token; the client's retry carries `inputResponses` and the same token,
 * which releases the upstream's pending request, and the retry then answers with the call's
 * result (or the next `input_required`).
 *
 * The parked upstream request lives in the process that started the call. Behind a load balancer
 * the retry may reach another replica: the token names the replica that holds the exchange, and
 * the receiving replica forwards the retry to it over the store (ReplicaLink) and relays its
 * answer. Single use and the caller's identity are checked where the exchange lives, whichever
 * replica received the retry. Exchanges expire.
 */
const TOKEN_PREFIX = 'mcpgate-x1.';
const INPUT_KEY = 'upstream';

interface PendingInput {
  readonly method: string;
  readonly params: JsonObject | undefined;
  resolve(value: JsonObject): void;
  reject(err: Error): void;
}

type Step = { done: true; result: JsonObject } | { done: false; input: PendingInput };

export class InputExchange {
  readonly abort = new AbortController();
  /** Minted and registered only when the call first needs input: most calls never do. */
  private tokenValue: string | undefined;
  private pending: PendingInput | undefined;
  private wake: ((s: Step) => void) | undefined;
  private finished: Step | undefined;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: InputExchangeRegistry,
    run: (io: { request: InputExchange['request']; signal: AbortSignal }) => Promise<JsonObject>,
    /** Who started the call (owner key): only they may answer its input requests. */
    readonly owner?: string,
  ) {
    run({ request: (m, p) => this.request(m, p), signal: this.abort.signal }).then(
      (result) => this.settle({ done: true, result }),
      (err: unknown) => this.fail(err),
    );
  }

  private error: unknown;

  get token(): string {
    if (this.tokenValue === undefined) {
      const tag = this.registry.link ? `${this.registry.link.tag}.` : '';
      this.tokenValue = TOKEN_PREFIX + tag + randomBytes(18).toString('base64url');
      this.registry.add(this);
    }
    return this.tokenValue;
  }

  private unregister(): void {
    if (this.tokenValue !== undefined) this.registry.remove(this.tokenValue);
  }

  private fail(err: unknown): void {
    this.error = err ?? new Error('call failed');
    this.settle({ done: true, result: {} });
  }

  /** Called from the upstream side: park the request until the client's retry answers it. */
  request(method: string, params: JsonObject | undefined): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => {
      const input: PendingInput = { method, params, resolve, reject };
      this.pending = input;
      this.deliver({ done: false, input });
    });
  }

  private settle(step: Step): void {
    this.finished = step;
    this.deliver(step);
  }

  private deliver(step: Step): void {
    const w = this.wake;
    if (w) {
      this.wake = undefined;
      w(step);
    }
  }

  /** Waits for the call to finish or to need input, and renders the answer for this round. */
  async next(): Promise<JsonObject> {
    const step: Step =
      this.finished ??
      (this.pending ? { done: false, input: this.pending } : await new Promise<Step>((r) => (this.wake = r)));
    if (step.done) {
      this.unregister();
      if (this.error !== undefined)
        throw this.error instanceof Error ? this.error : new Error('the call failed');
      return step.result;
    }
    this.armExpiry();
    return {
      resultType: 'input_required',
      inputRequests: { [INPUT_KEY]: { method: step.input.method, params: step.input.params ?? {} } },
      requestState: this.token,
    };
  }

  /** The client's retry: hand its response to the parked upstream request. */
  answer(inputResponses: Record<string, unknown> | undefined): void {
    const input = this.pending;
    if (!input) throw new GatewayError('invalid_params', 'this requestState has no pending input request');
    const response = inputResponses?.[INPUT_KEY];
    if (typeof response !== 'object' || response === null) {
      throw new GatewayError('invalid_params', `inputResponses.${INPUT_KEY} is missing`);
    }
    this.pending = undefined;
    clearTimeout(this.expiry);
    input.resolve(response as JsonObject);
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    this.expiry = setTimeout(() => {
      this.pending?.reject(
        new GatewayError('cancelled', 'the client did not answer the input request in time'),
      );
      this.pending = undefined;
      this.abort.abort();
      this.unregister();
    }, this.registry.ttlMs);
    this.expiry.unref();
  }
}

/** How long the replica holding an exchange has to accept a forwarded answer before it counts as gone. */
const FORWARD_ACCEPT_MS = 10_000;

const unknownState = (): GatewayError =>
  new GatewayError('invalid_params', 'requestState is unknown or has expired; start the call again');

export class InputExchangeRegistry {
  private readonly map = new Map<string, InputExchange>();

  constructor(
    readonly ttlMs = 10 * 60_000,
    /** Scale-out: retries for exchanges of other replicas are forwarded through it. */
    readonly link?: ReplicaLink,
    private readonly logger?: Logger,
  ) {
    link?.on('input-answer', (body) => this.acceptForwarded(body));
    link?.on('input-round', (body) => this.roundForwarded(body));
    link?.on('input-abort', (body) => {
      this.map.get(String(body.token))?.abort.abort();
      return undefined;
    });
  }

  static isToken(state: unknown): state is string {
    return typeof state === 'string' && state.startsWith(TOKEN_PREFIX);
  }

  add(x: InputExchange): void {
    this.map.set(x.token, x);
  }

  remove(token: string): void {
    this.map.delete(token);
  }

  get(token: string): InputExchange | undefined {
    return this.map.get(token);
  }

  size(): number {
    return this.map.size;
  }

  /**
   * A client's retry carrying `requestState`: answers the parked request and waits for the call's
   * next round, here or on the replica the token names. `owner` is the retrying caller's owner
   * key; another caller's retry is refused exactly like an unknown token.
   */
  async retry(
    token: string,
    owner: string | undefined,
    inputResponses: Record<string, unknown> | undefined,
    signal: AbortSignal,
  ): Promise<JsonObject> {
    const ex = this.map.get(token);
    if (ex) {
      if (ex.owner !== owner) throw unknownState();
      ex.answer(inputResponses);
      return roundOf(ex, signal);
    }
    const tag = tagOf(token);
    if (!this.link || tag === undefined || tag === this.link.tag) throw unknownState();
    return this.forward(tag, token, owner, inputResponses, signal);
  }

  private async forward(
    tag: string,
    token: string,
    owner: string | undefined,
    inputResponses: Record<string, unknown> | undefined,
    signal: AbortSignal,
  ): Promise<JsonObject> {
    const link = this.link!;
    const body = { token, ...(owner !== undefined && { owner }) };
    this.logger?.info({ replica: tag }, 'input_required retry forwarded to the replica holding the call');
    let accepted: JsonObject;
    try {
      accepted = await link.call(
        tag,
        'input-answer',
        { ...body, ...(inputResponses !== undefined && { inputResponses: inputResponses }) },
        FORWARD_ACCEPT_MS,
        signal,
      );
    } catch {
      // The replica that held the exchange is gone (or never answered): the call is lost with it.
      throw unknownState();
    }
    throwIfError(accepted);
    const onAbort = (): void => void link.send(tag, 'input-abort', { token }).catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const round = await link.call(tag, 'input-round', body, this.ttlMs, signal);
      throwIfError(round);
      return round.result as JsonObject;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** On the replica holding the exchange: a retry another replica received, step one. */
  private acceptForwarded(body: JsonObject): JsonObject {
    try {
      const ex = this.map.get(String(body.token));
      const owner = typeof body.owner === 'string' ? body.owner : undefined;
      if (!ex || ex.owner !== owner) throw unknownState();
      ex.answer(body.inputResponses as Record<string, unknown> | undefined);
      return {};
    } catch (err) {
      return { error: errorBody(err) };
    }
  }

  /** Step two: the call's next round (its result or the next input_required). */
  private async roundForwarded(body: JsonObject): Promise<JsonObject> {
    try {
      const ex = this.map.get(String(body.token));
      const owner = typeof body.owner === 'string' ? body.owner : undefined;
      if (!ex || ex.owner !== owner) throw unknownState();
      return { result: await ex.next() };
    } catch (err) {
      return { error: errorBody(err) };
    }
  }
}

/**
 * One round of an exchange, answered on this request. Only while this request is waiting does
 * its cancellation cancel the call: over HTTP a round's request ends (and its stream closes)
 * when it returns input_required, which must not cancel the call the next round continues.
 */
export async function roundOf(ex: InputExchange, signal: AbortSignal): Promise<JsonObject> {
  const onAbort = (): void => ex.abort.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await ex.next();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** `mcpgate-x1.<replica tag>.<random>` names the replica holding the exchange. */
function tagOf(token: string): string | undefined {
  const rest = token.slice(TOKEN_PREFIX.length);
  const dot = rest.indexOf('.');
  return dot > 0 ? rest.slice(0, dot) : undefined;
}

function errorBody(err: unknown): JsonObject {
  if (err instanceof ProtocolError)
    return {
      code: err.code,
      message: err.message,
      ...(err.data !== undefined && { data: err.data }),
    };
  const g =
    err instanceof GatewayError
      ? err
      : new GatewayError('internal', err instanceof Error ? err.message : String(err));
  const rpc = g.toJsonRpc();
  return {
    code: rpc.code,
    message: rpc.message,
    ...(rpc.data !== undefined && { data: rpc.data }),
  };
}

function throwIfError(reply: JsonObject): void {
  const e = reply.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  if (!e) return;
  throw new ProtocolError(Number(e.code), String(e.message), e.data);
}
