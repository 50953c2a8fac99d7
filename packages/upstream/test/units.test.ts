import { describe, expect, it } from 'vitest';
import { GatewayError } from '@mcpgate/core';
import { InFlight } from '../src/inflight.js';
import { outboundParams } from '../src/request-shaping.js';
import { limitedFetch, MessageTooLargeError } from '../src/size-limit.js';
import { backoffDelay } from '../src/backoff.js';
import { BoundedLineReader } from '../src/inbound-limits.js';
import { callLink, recordingIO, session } from './helpers.js';

describe('outboundParams', () => {
  it('drops the downstream progress token and envelope keys, keeps the rest', () => {
    const params = {
      name: 't',
      _meta: {
        progressToken: 'theirs',
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'x', version: '1' },
        'example.com/trace': 'keep',
      },
    };
    expect(outboundParams(params, 'ours')).toEqual({
      name: 't',
      _meta: { 'example.com/trace': 'keep', progressToken: 'ours' },
    });
    expect(outboundParams(params, undefined)).toEqual({ name: 't', _meta: { 'example.com/trace': 'keep' } });
    expect(outboundParams({ name: 't', _meta: { progressToken: 1 } }, undefined)).toEqual({ name: 't' });
  });

  it('leaves params alone when there is nothing to change', () => {
    const params = { name: 't', _meta: { other: 1 } };
    expect(outboundParams(params, undefined)).toBe(params);
    expect(outboundParams(undefined, undefined)).toBeUndefined();
    expect(outboundParams(undefined, 'ours')).toEqual({ _meta: { progressToken: 'ours' } });
  });
});

describe('InFlight routing', () => {
  const io = recordingIO({ elicitation: {} }, () => ({}));
  const alice = session('alice');
  const bob = session('bob');

  it('picks the most recent call of the only session in flight', () => {
    const f = new InFlight('up', undefined);
    const first = callLink(alice, io);
    const second = callLink(alice, io);
    f.add('tools/call', first, () => undefined);
    f.add('tools/call', undefined, () => undefined); // gateway-internal (catalog fetch): ignored
    f.add('tools/call', second, () => undefined);
    expect(f.route('elicitation/create')).toBe(second);
  });

  it('refuses when two sessions share the connection, or nothing is in flight', () => {
    const f = new InFlight('up', undefined);
    expect(() => f.route('elicitation/create')).toThrow(/no call from any client is in flight/);
    f.add('tools/call', callLink(alice, io), () => undefined);
    f.add('tools/call', callLink(bob, io), () => undefined);
    const err = (() => {
      try {
        f.route('elicitation/create');
      } catch (e) {
        return e as GatewayError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('cannot_route_server_request');
    expect(err?.message).toBe(
      'cannot route elicitation/create from upstream "up": calls from 2 sessions are in flight on this shared connection; set sharing: per-session',
    );
  });

  it('refuses when the client lacks the capability', () => {
    const f = new InFlight('up', 'alice');
    f.add('tools/call', callLink(alice, io), () => undefined);
    expect(() => f.route('sampling/createMessage')).toThrow(/did not declare the sampling capability/);
  });

  it('failAll fails every entry once and empties the set', () => {
    const f = new InFlight('up', undefined);
    const failed: string[] = [];
    f.add('a', undefined, (e) => failed.push(e.message));
    f.add('b', undefined, (e) => failed.push(e.message));
    f.failAll((m) => new GatewayError('upstream_crashed', `gone during ${m}`));
    expect(failed).toEqual(['gone during a', 'gone during b']);
    expect(f.size).toBe(0);
  });
});

describe('limitedFetch', () => {
  const sseResponse = (text: string) => () =>
    Promise.resolve(new Response(text, { headers: { 'content-type': 'text/event-stream' } }));

  it('replaces an oversized SSE event answering a POSTed request with an error for that id', async () => {
    const big = 'x'.repeat(500);
    const body = `event: message\ndata: {"n":1}\n\nevent: message\ndata: "${big}"\n\nevent: message\ndata: {"n":2}\n\n`;
    const f = limitedFetch(100, () => undefined, sseResponse(body));
    const res = await f('http://127.0.0.1/', {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call' }),
    });
    const text = await res.text();
    expect(text).not.toContain(big);
    expect(text).toContain('data: {"n":1}');
    expect(text).toContain('data: {"n":2}');
    expect(text).toContain(
      '"id":7,"error":{"code":-32600,"message":"upstream message exceeds the 100-byte limit"',
    );
  });

  it('drops an oversized event on a stream serving no single request, and says so', async () => {
    let dropped = 0;
    const body = `data: ${'y'.repeat(300)}\n\ndata: ok\n\n`;
    const f = limitedFetch(100, () => (dropped += 1), sseResponse(body));
    const text = await (await f('http://127.0.0.1/', { method: 'GET' })).text();
    expect(text).toContain('data: ok');
    expect(text).not.toContain('y'.repeat(150));
    expect(dropped).toBe(1);
  });

  it('errors an oversized JSON body', async () => {
    const f = limitedFetch(10, undefined, () =>
      Promise.resolve(
        new Response(JSON.stringify({ a: 'z'.repeat(50) }), {
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    const err = await f('http://127.0.0.1/', {})
      .then(
        (r) => r.text().then(() => undefined),
        (e: unknown) => e,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessageTooLargeError);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay and caps at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, 100, 1000))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

describe('BoundedLineReader.readMessage', () => {
  const sink = { answerRequest: () => undefined, dropped: () => undefined };
  const read = (text: string) => {
    const r = new BoundedLineReader(1 << 20, 64, sink);
    r.append(Buffer.from(text, 'utf8'));
    return r;
  };

  it('parses each line once and hands the JSON-RPC object on as it came', () => {
    const r = read(
      '{"jsonrpc":"2.0","id":7,"result":{"content":[],"x":1}}\r\n{"jsonrpc":"2.0","method":"n"}\n',
    );
    expect(r.readMessage()).toEqual({ jsonrpc: '2.0', id: 7, result: { content: [], x: 1 } });
    expect(r.readMessage()).toEqual({ jsonrpc: '2.0', method: 'n' });
    expect(r.readMessage()).toBeNull();
  });

  it('skips a line that is not JSON, like the SDK, and reads on', () => {
    const r = read('not json\n{"jsonrpc":"2.0","id":1,"result":{}}\n');
    expect(r.readMessage()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });

  it('reports JSON that is not a JSON-RPC 2.0 object as an error, then reads on', () => {
    const r = read(
      '5\n[{"jsonrpc":"2.0"}]\n{"jsonrpc":"1.0","id":1,"result":{}}\n{"jsonrpc":"2.0","id":2,"result":{}}\n',
    );
    expect(() => r.readMessage()).toThrow(/not a JSON object/);
    expect(() => r.readMessage()).toThrow(/not a JSON object/);
    expect(() => r.readMessage()).toThrow(/"jsonrpc" is not "2.0"/);
    expect(r.readMessage()).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
  });
});
