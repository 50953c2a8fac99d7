import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '@mcpgate/core';
import { mutableServerBin } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { callLink, capturingLogger, recordingIO, session, signal, stdioSpec, textOf } from './helpers.js';

const answer =
  (who: string) =>
  (method: string): JsonObject => {
    if (method === 'elicitation/create') return { action: 'accept', content: { name: who } };
    if (method === 'sampling/createMessage')
      return { role: 'assistant', model: `model-of-${who}`, content: { type: 'text', text: `from ${who}` } };
    return { roots: [{ uri: `file:///home/${who}`, name: who }] };
  };
const CAPS = { elicitation: {}, sampling: {}, roots: {} };

describe('server→client requests from a legacy upstream', () => {
  let pool: McpUpstreamPool;
  const alice = session('alice');
  const bob = session('bob');

  beforeAll(async () => {
    pool = createUpstreamPool({
      specs: [
        stdioSpec('shared', process.execPath, [mutableServerBin()]),
        stdioSpec('mine', process.execPath, [mutableServerBin()], { sharing: 'per-session' }),
      ],
      logger: capturingLogger(),
    });
    await pool.start();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('routes elicitation, sampling and roots to the one session with a call in flight (shared)', async () => {
    const conn = await pool.connection('shared', alice);
    const io = recordingIO(CAPS, answer('alice'));
    const call = callLink(alice, io);
    const asked = await conn.request(
      'tools/call',
      { name: 'ask', arguments: { message: 'name?' } },
      { signal: signal(), link: call },
    );
    const sampled = await conn.request(
      'tools/call',
      { name: 'sample', arguments: { prompt: 'hi' } },
      { signal: signal(), link: call },
    );
    const roots = await conn.request(
      'tools/call',
      { name: 'list_roots', arguments: {} },
      { signal: signal(), link: call },
    );
    expect(io.requests.map((r) => r.method)).toEqual([
      'elicitation/create',
      'sampling/createMessage',
      'roots/list',
    ]);
    expect(asked.structuredContent).toEqual({ action: 'accept', content: { name: 'alice' } });
    expect(sampled.structuredContent).toMatchObject({ model: 'model-of-alice' });
    expect(roots.structuredContent).toEqual({ roots: [{ uri: 'file:///home/alice', name: 'alice' }] });
  });

  it('refuses on a shared connection when calls of two sessions are in flight', async () => {
    const conn = await pool.connection('shared', alice);
    const aliceIO = recordingIO(CAPS, answer('alice'));
    const bobIO = recordingIO(CAPS, answer('bob'));
    const slow = conn.request(
      'tools/call',
      { name: 'slow', arguments: { steps: 10, stepMs: 50 } },
      { signal: signal(), link: callLink(alice, aliceIO) },
    );
    const asked = await conn.request(
      'tools/call',
      { name: 'ask', arguments: {} },
      { signal: signal(), link: callLink(bob, bobIO) },
    );
    await slow;
    expect(asked.isError).toBe(true);
    expect(textOf(asked)).toContain(
      'cannot route elicitation/create from upstream "shared": calls from 2 sessions are in flight on this shared connection; set sharing: per-session',
    );
    expect(aliceIO.requests).toEqual([]);
    expect(bobIO.requests).toEqual([]);
  });

  it('refuses when the calling client lacks the capability', async () => {
    const conn = await pool.connection('shared', alice);
    const io = recordingIO({ elicitation: {} }, answer('alice'));
    const sampled = await conn.request(
      'tools/call',
      { name: 'sample', arguments: {} },
      { signal: signal(), link: callLink(alice, io) },
    );
    expect(sampled.isError).toBe(true);
    expect(textOf(sampled)).toContain('did not declare the sampling capability');
    expect(io.requests).toEqual([]);
  });

  it('refuses when no downstream call is in flight', async () => {
    const conn = await pool.connection('shared', alice);
    const asked = await conn.request('tools/call', { name: 'ask', arguments: {} }, { signal: signal() });
    expect(asked.isError).toBe(true);
    expect(textOf(asked)).toContain(
      'cannot route elicitation/create from upstream "shared": no call from any client is in flight',
    );
  });

  it('routes per-session connections to their own session, concurrently', async () => {
    const aliceConn = await pool.connection('mine', alice);
    const bobConn = await pool.connection('mine', bob);
    expect(aliceConn).not.toBe(bobConn);
    const aliceIO = recordingIO(CAPS, answer('alice'));
    const bobIO = recordingIO(CAPS, answer('bob'));
    const [a, b] = await Promise.all([
      aliceConn.request(
        'tools/call',
        { name: 'ask', arguments: {} },
        { signal: signal(), link: callLink(alice, aliceIO) },
      ),
      bobConn.request(
        'tools/call',
        { name: 'ask', arguments: {} },
        { signal: signal(), link: callLink(bob, bobIO) },
      ),
    ]);
    expect(a.structuredContent).toEqual({ action: 'accept', content: { name: 'alice' } });
    expect(b.structuredContent).toEqual({ action: 'accept', content: { name: 'bob' } });
    expect(aliceIO.requests).toHaveLength(1);
    expect(bobIO.requests).toHaveLength(1);
  });

  it('relays a downstream refusal back to the upstream as a JSON-RPC error', async () => {
    const conn = await pool.connection('shared', alice);
    const io = recordingIO(CAPS, answer('alice'));
    io.request = () => Promise.reject(Object.assign(new Error('User rejected'), { code: -32001 }));
    const asked = await conn.request(
      'tools/call',
      { name: 'ask', arguments: {} },
      { signal: signal(), link: callLink(alice, io) },
    );
    expect(textOf(asked)).toBe('client refused elicitation/create: [-32001] User rejected');
  });

  it('aborting a call sends notifications/cancelled for it upstream', async () => {
    const conn = await pool.connection('shared', alice);
    const ac = new AbortController();
    const pending = conn.request(
      'tools/call',
      { name: 'slow', arguments: { steps: 50, stepMs: 50 } },
      { signal: ac.signal, onProgress: () => ac.abort() },
    );
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('cancelled');
    const seen = await conn.request('tools/call', { name: 'whereami', arguments: {} }, { signal: signal() });
    expect((seen.structuredContent as { cancellations: unknown[] }).cancellations).toHaveLength(1);
  });
});
