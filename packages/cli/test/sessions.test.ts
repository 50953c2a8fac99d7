import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/client';
import { createLogStep, Gateway, DEFAULT_NAMING, silentLogger, type UpstreamSpec } from '@mcpgate/core';
import { serveGatewayStdio, StdioFaceTransport, type StdioFaceHandle } from '@mcpgate/faces';
import { createUpstreamPool } from '@mcpgate/upstream';
import { mutableServerBin } from '@mcpgate/testkit';
import { textOf, waitFor } from './support.js';

/**
 * Several client sessions on ONE gateway (in-process, over stream pairs, with a real upstream
 * child): server→client requests and progress must reach the session whose call caused them.
 */
function spec(sharing: 'shared' | 'per-session', marker: string): UpstreamSpec {
  return {
    name: 'mut',
    prefix: 'mut',
    transport: 'stdio',
    command: process.execPath,
    args: [mutableServerBin(), `--marker=${marker}`],
    env: {},
    headers: {},
    sharing,
    era: 'legacy',
    requestTimeoutMs: 30_000,
    startTimeoutMs: 15_000,
    restart: { maxRestarts: 3, initialDelayMs: 100, maxDelayMs: 1000 },
    maxMessageBytes: 4 * 1024 * 1024,
  };
}

interface Session {
  client: Client;
  face: StdioFaceHandle;
  elicitations: string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startGateway(sharing: 'shared' | 'per-session', marker: string): Promise<Gateway> {
  const pool = createUpstreamPool({ specs: [spec(sharing, marker)], logger: silentLogger });
  const gateway = new Gateway({
    pool,
    steps: { outer: [createLogStep(silentLogger)], inner: [] },
    naming: DEFAULT_NAMING,
    logger: silentLogger,
  });
  await gateway.start();
  cleanups.push(() => gateway.close());
  return gateway;
}

async function openSession(gateway: Gateway, name: string): Promise<Session> {
  const toGateway = new PassThrough();
  const toClient = new PassThrough();
  const face = serveGatewayStdio({
    gateway,
    logger: silentLogger,
    name: 'mcpgate',
    version: 'test',
    maxMessageBytes: 1 << 20,
    stdin: toGateway,
    stdout: toClient,
  });
  const client = new Client({ name, version: '1' }, { capabilities: { elicitation: {} } });
  const elicitations: string[] = [];
  client.setRequestHandler('elicitation/create', (req) => {
    elicitations.push(String((req.params as { message: string }).message));
    return { action: 'accept', content: { name } } as never;
  });
  await client.connect(
    new StdioFaceTransport({ stdin: toClient, stdout: toGateway, maxMessageBytes: 1 << 20 }),
  );
  cleanups.push(async () => {
    await client.close();
    toGateway.end();
    await face.closed;
  });
  return { client, face, elicitations };
}

function childCount(marker: string): number {
  try {
    return execFileSync('pgrep', ['-f', `marker=${marker}`])
      .toString()
      .trim()
      .split('\n')
      .filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe('two sessions on one gateway', () => {
  it('shared upstream: a server→client request goes to the only session with a call in flight', async () => {
    const gw = await startGateway('shared', randomUUID());
    const a = await openSession(gw, 'alice');
    const b = await openSession(gw, 'bob');
    const res = await b.client.callTool({ name: 'mut__ask', arguments: { message: 'who is asking?' } });
    expect(textOf(res)).toContain('bob');
    expect(b.elicitations).toEqual(['who is asking?']);
    expect(a.elicitations).toEqual([]);
  });

  it('shared upstream: when calls from two sessions are in flight it refuses to guess, with a clear error', async () => {
    const gw = await startGateway('shared', randomUUID());
    const a = await openSession(gw, 'alice');
    const b = await openSession(gw, 'bob');
    const slow = a.client.callTool({ name: 'mut__slow', arguments: { steps: 20, stepMs: 100 } });
    await new Promise((r) => setTimeout(r, 200));
    const res = await b.client.callTool({ name: 'mut__ask', arguments: { message: 'ambiguous' } });
    expect(textOf(res)).toMatch(/cannot route elicitation\/create/);
    expect(textOf(res)).toMatch(/per-session/);
    expect(a.elicitations).toEqual([]);
    expect(b.elicitations).toEqual([]);
    await slow;
  });

  it('per-session upstream: concurrent calls each reach their own client; progress stays with its caller', async () => {
    const gw = await startGateway('per-session', randomUUID());
    const a = await openSession(gw, 'alice');
    const b = await openSession(gw, 'bob');
    const progressA: number[] = [];
    const progressB: number[] = [];
    const [ra, rb, sa, sb] = await Promise.all([
      a.client.callTool({ name: 'mut__ask', arguments: { message: 'for alice' } }),
      b.client.callTool({ name: 'mut__ask', arguments: { message: 'for bob' } }),
      a.client.callTool(
        { name: 'mut__slow', arguments: { steps: 3, stepMs: 30 } },
        { onprogress: (p) => void progressA.push(p.progress) },
      ),
      b.client.callTool(
        { name: 'mut__slow', arguments: { steps: 5, stepMs: 30 } },
        { onprogress: (p) => void progressB.push(p.progress) },
      ),
    ]);
    expect(textOf(ra)).toContain('alice');
    expect(textOf(rb)).toContain('bob');
    expect(a.elicitations).toEqual(['for alice']);
    expect(b.elicitations).toEqual(['for bob']);
    expect(textOf(sa)).toContain('3 steps');
    expect(textOf(sb)).toContain('5 steps');
    expect(progressA).toEqual([1, 2, 3]);
    expect(progressB).toEqual([1, 2, 3, 4, 5]);
  });

  it('per-session upstream: a session’s child is closed when the session ends (no leaked children)', async () => {
    const marker = randomUUID();
    const gw = await startGateway('per-session', marker);
    const base = childCount(marker); // the catalog probe connection
    const a = await openSession(gw, 'alice');
    await a.client.callTool({ name: 'mut__echo', arguments: { message: 'x' } });
    expect(childCount(marker)).toBe(base + 1);
    await a.client.close();
    await a.face.close();
    await waitFor(
      () => (childCount(marker) === base ? true : undefined),
      10_000,
      'the per-session child to exit',
    );
    expect(gw.sessionCount()).toBe(0);
  });
});
