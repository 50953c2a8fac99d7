/**
 * A grammar of JSON-RPC frames, good and bad, for fuzzing the gateway's faces (#11). Every frame
 * is drawn from a seeded PRNG, so a failing run is reproduced exactly by its seed
 * (MCPGATE_FUZZ_SEED). Each frame says what a correct gateway must do with it, so the suite can
 * check that every request is answered exactly once.
 */

/** mulberry32: small, fast, good enough for test input, and reproducible from a 32-bit seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: MCPGATE_FUZZ_SEED, or a fresh one (printed by the suite). */
export function fuzzSeed(): number {
  const env = process.env.MCPGATE_FUZZ_SEED;
  return env ? Number(env) >>> 0 : Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** How much to fuzz: MCPGATE_FUZZ_ITERATIONS frames (default `ci`), or for MCPGATE_FUZZ_SECONDS. */
export function fuzzBudget(ci: number): { frames: number; seconds: number | undefined } {
  const seconds = Number(process.env.MCPGATE_FUZZ_SECONDS ?? NaN);
  const frames = Number(process.env.MCPGATE_FUZZ_ITERATIONS ?? ci);
  return Number.isFinite(seconds) && seconds > 0
    ? { frames: Number.MAX_SAFE_INTEGER, seconds }
    : { frames, seconds: undefined };
}

export interface Frame {
  /** The bytes to write (stdio adds the newline). */
  readonly bytes: Buffer;
  /** The id a correct gateway answers with, exactly once; undefined when no id-bearing answer is due. */
  readonly expectId: string | undefined;
  /** A nonce the upstream will see if the call is forwarded (for the record-before-execute check). */
  readonly nonce: string | undefined;
  /** Which rule of the grammar made it (printed when a frame misbehaves). */
  readonly kind: string;
}

export interface GrammarOptions {
  readonly maxMessageBytes: number;
  readonly maxJsonDepth: number;
  /** Exposed tool names of the hostile upstream (`h__echo`, …). */
  readonly prefix: string;
}

const nested = (n: number, inner = '') => '['.repeat(n) + inner + ']'.repeat(n);

export class FrameGrammar {
  private n = 0;
  constructor(
    private readonly rand: () => number,
    private readonly opts: GrammarOptions,
    private readonly label: string,
  ) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
  private nextId(): string {
    return `${this.label}-${++this.n}`;
  }

  /** One frame from the grammar, with its expectation. */
  frame(): Frame {
    const rules: Array<[number, () => Frame]> = [
      [30, () => this.call()],
      [8, () => this.gatewayMethod()],
      [10, () => this.wrongTypes()],
      [8, () => this.deep()],
      [5, () => this.huge()],
      [5, () => this.batch()],
      [5, () => this.invalidUtf8()],
      [6, () => this.garbage()],
      [4, () => this.notification()],
      [4, () => this.oddStrings()],
    ];
    const total = rules.reduce((s, [w]) => s + w, 0);
    let r = this.rand() * total;
    for (const [w, make] of rules) {
      if ((r -= w) < 0) return make();
    }
    return this.call();
  }

  private json(kind: string, value: unknown, expectId: string | undefined, nonce?: string): Frame {
    return { bytes: Buffer.from(JSON.stringify(value), 'utf8'), expectId, nonce, kind };
  }

  /** A valid tools/call to the hostile upstream: echo with a nonce, small results, slow, big, deep. */
  private call(): Frame {
    const id = this.nextId();
    const nonce = `n_${id}_${Math.floor(this.rand() * 1e9)}`;
    const { prefix, maxMessageBytes, maxJsonDepth } = this.opts;
    const variant = this.pick(['echo', 'echo', 'echo', 'slow', 'big', 'deep']);
    const args: Record<string, unknown> =
      variant === 'echo'
        ? { nonce, pad: 'p'.repeat(this.int(0, 2000)) }
        : variant === 'slow'
          ? { nonce, ms: this.int(1, 30) }
          : variant === 'big'
            ? {
                nonce,
                bytes: this.pick([100, maxMessageBytes - 200, maxMessageBytes + 10, maxMessageBytes * 3]),
              }
            : { nonce, depth: this.pick([3, maxJsonDepth - 8, maxJsonDepth + 1, 10_000]) };
    return this.json(
      `call:${variant}`,
      {
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: `${prefix}__${variant}`, arguments: args },
      },
      id,
      nonce,
    );
  }

  private gatewayMethod(): Frame {
    const id = this.nextId();
    const method = this.pick([
      'tools/list',
      'prompts/list',
      'resources/list',
      'ping',
      'unknown/method',
      'logging/setLevel',
      'resources/read',
      'completion/complete',
    ]);
    const params =
      method === 'logging/setLevel'
        ? { level: this.pick(['info', 'debug', 'nonsense']) }
        : method === 'resources/read'
          ? { uri: this.pick(['file:///etc/passwd', '', 'x'.repeat(300)]) }
          : {};
    return this.json(`method:${method}`, { jsonrpc: '2.0', id, method, params }, id);
  }

  /** Well-formed JSON, wrong JSON-RPC or MCP types. Always with a readable id, so always answered. */
  private wrongTypes(): Frame {
    const id = this.nextId();
    const { prefix } = this.opts;
    const variants: Array<[string, Record<string, unknown>]> = [
      ['jsonrpc-number', { jsonrpc: 2, id, method: 'ping' }],
      ['jsonrpc-1.0', { jsonrpc: '1.0', id, method: 'ping' }],
      ['method-number', { jsonrpc: '2.0', id, method: 5 }],
      ['method-empty', { jsonrpc: '2.0', id, method: '' }],
      ['params-array', { jsonrpc: '2.0', id, method: 'tools/list', params: [1, 2] }],
      ['params-string', { jsonrpc: '2.0', id, method: 'tools/call', params: 'x' }],
      ['name-number', { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 42 } }],
      ['name-missing', { jsonrpc: '2.0', id, method: 'tools/call', params: { arguments: {} } }],
      [
        'args-string',
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: `${prefix}__echo`, arguments: 's' } },
      ],
      [
        'args-array',
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: `${prefix}__echo`, arguments: [1] } },
      ],
      [
        'unknown-tool',
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'nope__nope', arguments: {} } },
      ],
      ['no-method-no-result', { jsonrpc: '2.0', id }],
      ['meta-weird', { jsonrpc: '2.0', id, method: 'ping', params: { _meta: { progressToken: { a: 1 } } } }],
    ];
    const [kind, value] = this.pick(variants);
    return this.json(`types:${kind}`, value, id);
  }

  /** Nesting over (or exactly at) the limit, in arguments, _meta, or the id's own place. */
  private deep(): Frame {
    const id = this.nextId();
    const { maxJsonDepth, prefix } = this.opts;
    const depth = this.pick([maxJsonDepth - 3, maxJsonDepth + 1, 1000, 10_000, 100_000]);
    const where = this.pick(['arguments', 'meta', 'id-object']);
    if (where === 'id-object') {
      // The id itself is a deep structure: no readable id, answered with id null.
      return {
        bytes: Buffer.from(`{"jsonrpc":"2.0","id":${nested(depth)},"method":"ping"}`),
        expectId: undefined,
        nonce: undefined,
        kind: 'deep:id',
      };
    }
    const inner =
      where === 'arguments'
        ? `{"name":"${prefix}__echo","arguments":{"x":${nested(depth)}}}`
        : `{"_meta":{"x":${nested(depth)}}}`;
    const method = where === 'arguments' ? 'tools/call' : 'ping';
    // The id goes last: the gateway must read it past the nesting.
    return {
      bytes: Buffer.from(`{"jsonrpc":"2.0","method":"${method}","params":${inner},"id":"${id}"}`),
      expectId: id,
      nonce: undefined,
      kind: `deep:${where}:${depth}`,
    };
  }

  /** A message over maxMessageBytes: discarded without buffering, answered with its id. */
  private huge(): Frame {
    const id = this.nextId();
    const size = this.pick([
      this.opts.maxMessageBytes + 1,
      this.opts.maxMessageBytes * 2,
      this.opts.maxMessageBytes * 8,
    ]);
    return {
      bytes: Buffer.from(
        `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"${this.opts.prefix}__echo","arguments":{"s":"${'h'.repeat(size)}"}},"id":"${id}"}`,
      ),
      expectId: id,
      nonce: undefined,
      kind: `huge:${size}`,
    };
  }

  /** MCP has no batches: one error, id null. The members' ids must not be answered. */
  private batch(): Frame {
    const members = Array.from({ length: this.int(0, 3) }, () => ({
      jsonrpc: '2.0',
      id: `${this.label}-batch-${++this.n}`,
      method: 'ping',
    }));
    return this.json('batch', members, undefined);
  }

  /** Bytes that are not UTF-8, inside a string (still JSON once decoded) or around the frame. */
  private invalidUtf8(): Frame {
    const id = this.nextId();
    const junk = Buffer.from(this.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]));
    if (this.rand() < 0.6) {
      const head = Buffer.from(
        `{"jsonrpc":"2.0","id":"${id}","method":"tools/call","params":{"name":"${this.opts.prefix}__echo","arguments":{"nonce":"n_${id}","s":"`,
      );
      const tail = Buffer.from('"}}}');
      return {
        bytes: Buffer.concat([head, junk, tail]),
        expectId: id,
        nonce: `n_${id}`,
        kind: 'utf8:in-string',
      };
    }
    return {
      bytes: Buffer.concat([junk, Buffer.from(`{"id":"${id}"}`)]),
      expectId: undefined,
      nonce: undefined,
      kind: 'utf8:outside',
    };
  }

  /** Not JSON at all, or JSON cut short: -32700 with id null. */
  private garbage(): Frame {
    const id = this.nextId();
    const whole = `{"jsonrpc":"2.0","id":"${id}","method":"tools/call","params":{"name":"${this.opts.prefix}__echo","arguments":{"a":[1,2,{"b":"c"}]}}}`;
    const cut = whole.slice(0, this.int(1, whole.length - 2));
    const text = this.pick([
      cut,
      '}{',
      'null',
      '"just a string"',
      '12',
      'tru',
      '{"a":1}{"b":2}',
      '\u0000\u0001',
    ]);
    // A cut frame may still read as valid JSON ("null", "12"…): those are answered -32600 id null.
    return { bytes: Buffer.from(text), expectId: undefined, nonce: undefined, kind: 'garbage' };
  }

  /** Notifications are never answered (a cancellation for an id nobody sent included). */
  private notification(): Frame {
    const method = this.pick([
      'notifications/cancelled',
      'notifications/progress',
      'notifications/roots/list_changed',
      'notifications/unknown',
    ]);
    const params = method === 'notifications/cancelled' ? { requestId: 'never-sent', reason: 'fuzz' } : {};
    return this.json(`notification:${method}`, { jsonrpc: '2.0', method, params }, undefined);
  }

  /** Escapes, lone surrogates, control characters and very long keys in an otherwise valid call. */
  private oddStrings(): Frame {
    const id = this.nextId();
    const nonce = `n_${id}`;
    const value = this.pick(['\\ud800', '\\u0000', '\\"\\\\\\/\\b\\f\\n\\r\\t', '\\udfff\\ud800', 'é€𝄞']);
    const key = this.pick(['k', 'k'.repeat(5000), '__proto__', 'constructor']);
    return {
      bytes: Buffer.from(
        `{"jsonrpc":"2.0","id":"${id}","method":"tools/call","params":{"name":"${this.opts.prefix}__echo","arguments":{"nonce":"${nonce}","${key}":"${value}"}}}`,
      ),
      expectId: id,
      nonce,
      kind: `odd:${key.length}`,
    };
  }
}
