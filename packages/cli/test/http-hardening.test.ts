import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutableServerBin } from '@mcpgate/testkit';
import { waitFor, writeConfig } from './support.js';
import { rawInitialize, startServe, type ServeProcess } from './http-support.js';

// Two hardening duties of `mcpgate serve` that need their own settings: the per-message limit
// (below the body limit, so a batch cannot smuggle one huge message) and the idle sweep ending
// a legacy session's per-session upstream process.
const pids = join(mkdtempSync(join(tmpdir(), 'mcpgate-hardening-')), 'pids');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('mcpgate serve hardening', () => {
  let gw: ServeProcess;
  beforeAll(async () => {
    gw = await startServe(
      writeConfig(`
upstreams:
  mutable:
    alias: mu
    command: ${process.execPath}
    args: ['${mutableServerBin()}']
    sharing: per-session
    env: { MUTABLE_PID_FILE: '${pids}' }
policy:
  default: allow
store:
  dir: ./data
limits:
  maxMessageBytes: 4096
server:
  port: 0
  bodyLimit: 65536
  sessionIdleTimeout: 2s
`),
    );
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
  });

  const post = (sid: string, body: string) =>
    fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
      body,
    });
  const call = (id: number, message: string) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'mu__echo', arguments: { message } },
    });

  it('refuses a message over limits.maxMessageBytes with 413, alone or inside a batch', async () => {
    const sid = await rawInitialize(gw.url);
    expect((await post(sid, call(2, 'small'))).status).toBe(200);
    const alone = await post(sid, call(3, 'x'.repeat(5000)));
    expect(alone.status).toBe(413);
    expect(JSON.stringify(await alone.json())).toContain('exceeds 4096 bytes');
    // The batch as a whole is under the body limit; one of its messages is not.
    const batch = await post(sid, `[${call(4, 'fine')},${call(5, 'y'.repeat(5000))}]`);
    expect(batch.status).toBe(413);
    expect(JSON.stringify(await batch.json())).toContain('a message exceeds 4096 bytes');
  });

  it('ends an idle legacy session and its per-session upstream process', async () => {
    const sid = await rawInitialize(gw.url);
    const res = await post(sid, call(2, 'spawn me'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('spawn me');
    const spawned = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    const mine = spawned.at(-1)!;
    expect(isAlive(mine)).toBe(true);
    await waitFor(() => (!isAlive(mine) ? true : undefined), 15_000, 'the idle session’s upstream to end');
    expect((await post(sid, call(3, 'again'))).status).toBe(404);
  }, 30_000);
});
