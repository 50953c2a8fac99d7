import { randomBytes } from 'node:crypto';
import { GatewayError, type JsonObject } from '@mcpgate/core';

/**
 * Translates a server→client request that a legacy upstream pushes mid-call (elicitation,
 * sampling, roots) into the modern era's multi-round-trip: the call answers `input_required`
 * with a `requestState` token; the client's retry carries `inputResponses` and the same token,
 * which releases the upstream's pending request, and the retry then answers with the call's
 * result (or the next `input_required`).
 *
 * State lives in this process: a retry must reach the same gateway replica. Exchanges expire.
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
  ) {
    run({ request: (m, p) => this.request(m, p), signal: this.abort.signal }).then(
      (result) => this.settle({ done: true, result }),
      (err: unknown) => this.fail(err),
    );
  }

  private error: unknown;

  get token(): string {
    if (this.tokenValue === undefined) {
      this.tokenValue = TOKEN_PREFIX + randomBytes(18).toString('base64url');
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

export class InputExchangeRegistry {
  private readonly map = new Map<string, InputExchange>();

  constructor(readonly ttlMs = 10 * 60_000) {}

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
}
