#!/usr/bin/env node
/* global process, fetch, setTimeout, clearTimeout, WebSocket */
// Memory per idle legacy session of `mcpgate serve`: a fresh gateway (embedded PGlite store, API
// key auth, one shared stdio upstream) that has served nothing else, its RSS read once it has
// settled, then BENCH_SESSIONS_N (default 10,000) legacy Streamable HTTP sessions opened
// (initialize + notifications/initialized, nothing more) and its RSS read again once settled.
// The goal it is compared with: 10,000 idle sessions under 1 GiB RSS with a shared upstream.
//
// RSS alone moves with the garbage collector's whims, so the gateway also runs with the
// inspector on a loopback port: the script forces a full GC through it and reads the V8 heap
// after each settled RSS reading (heap used is the number that grows with live objects).
// BENCH_SESSIONS_NODE_FLAGS adds flags to the gateway's node (e.g. --heapsnapshot-signal=SIGUSR2
// to look at what a session holds). Prints numbers; asserts nothing. Loopback only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { everythingBin, freePort } from '@mcpgate/testkit';
import { apiKeyGatewayConfig, MCPGATE_CLI as CLI, printTable } from './bench-util.mjs';

// Node 20 has the WebSocket client (for the inspector) behind a flag; it is global from Node 22.
if (typeof WebSocket === 'undefined') {
  const r = spawnSync(
    process.execPath,
    ['--experimental-websocket', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const N = Number(process.env.BENCH_SESSIONS_N ?? 10_000);
const CONCURRENCY = 50;
const GOAL_SESSIONS = 10_000;
const GOAL_MIB = 1024;
const PEPPER = 'bench-sessions-pepper-0123456789abcdef0123';
const EXTRA_FLAGS = (process.env.BENCH_SESSIONS_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (kib) => (kib / 1024).toFixed(1);

function rssKib(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/**
 * RSS once it stops moving: sampled every 250 ms until every sample of the last 3 s lies within
 * 1% of each other (timers, the audit's group commit and lazy GC keep it drifting for a while
 * after a burst), at most 30 s.
 */
async function settledRss(pid) {
  const WINDOW_MS = 3000;
  const samples = [];
  const t0 = Date.now();
  for (;;) {
    samples.push({ t: Date.now(), kib: rssKib(pid) });
    const recent = samples.filter((s) => s.t >= samples.at(-1).t - WINDOW_MS);
    const full = samples.at(-1).t - samples[0].t >= WINDOW_MS;
    const hi = Math.max(...recent.map((s) => s.kib));
    const lo = Math.min(...recent.map((s) => s.kib));
    if (full && hi - lo <= hi * 0.01) return { kib: samples.at(-1).kib, stable: true, ms: Date.now() - t0 };
    if (Date.now() - t0 >= 30_000) return { kib: samples.at(-1).kib, stable: false, ms: Date.now() - t0 };
    await sleep(250);
  }
}

/** A minimal Chrome DevTools Protocol client over the gateway's inspector socket. */
async function inspector(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`inspector ${wsUrl} refused the connection`));
  });
  let next = 0;
  const pending = new Map();
  ws.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data));
    const p = m.id !== undefined ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`${m.error.message}`));
    else p.resolve(m.result);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    /** Full GC, then the process's own view of its memory (bytes). */
    async memoryAfterGc() {
      await send('HeapProfiler.collectGarbage');
      const r = await send('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      });
      return JSON.parse(r.result.value);
    },
    close: () => ws.close(),
  };
}

async function startGateway(dir) {
  const port = await freePort();
  const { config, key, env } = apiKeyGatewayConfig(dir, {
    upstreamArgs: [everythingBin(), 'stdio'],
    pepper: PEPPER,
    server: [
      '  host: 127.0.0.1',
      `  port: ${port}`,
      // Head room over N: a refusal at the limit (503) would be counted as a failed open.
      `  maxSessions: ${N + 100}`,
    ],
  });

  const child = spawn(
    process.execPath,
    ['--inspect=127.0.0.1:0', ...EXTRA_FLAGS, CLI, 'serve', '--config', config],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let log = '';
  const keep = (d) => {
    log = (log + d.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let wsUrl;
  for (;;) {
    wsUrl ??= /Debugger listening on (ws:\/\/\S+)/.exec(log)?.[1];
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready && wsUrl) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not become ready:\n${log.slice(-2000)}`);
    }
    await sleep(100);
  }
  return { child, exited, url: `${base}/mcp`, base, key, wsUrl, log: () => log };
}

/** Opens one idle legacy session the way a 2025 client does; returns its id or throws. */
async function openSession(url, key) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'x-api-key': key,
  };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'idle', version: '1' } },
    }),
  });
  const body = await init.text(); // read to the end: the response may be an SSE stream
  const sid = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sid) throw new Error(`initialize: ${init.status} ${body.slice(0, 200)}`);
  const done = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await done.text();
  if (done.status !== 202) throw new Error(`notifications/initialized: ${done.status}`);
  return sid;
}

async function openSessions(url, key, n) {
  let next = 0;
  let failed = 0;
  let firstError;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) {
        next++;
        try {
          await openSession(url, key);
        } catch (err) {
          failed++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return { failed, firstError };
}

async function sessionsOpen(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^mcpgate_sessions\{transport="streamable-http"\} (\d+)$/m.exec(text)?.[1] ?? NaN);
}

const t0 = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-sessions-'));
let gw;
let cdp;
try {
  gw = await startGateway(dir);
  const pid = gw.child.pid;
  cdp = await inspector(gw.wsUrl);

  // Both sides are read the same way: settled RSS, then a full GC, its heap, and settled RSS again.
  const before = await settledRss(pid);
  const heapBefore = await cdp.memoryAfterGc();
  const rssBeforeGc = await settledRss(pid);

  const o0 = Date.now();
  const { failed, firstError } = await openSessions(gw.url, gw.key, N);
  const openMs = Date.now() - o0;

  const after = await settledRss(pid);
  const heapAfter = await cdp.memoryAfterGc();
  const rssAfterGc = await settledRss(pid);
  const open = await sessionsOpen(gw.base);

  // Per session actually held (the gauge), so that failed opens do not dilute the number.
  const held = Number.isFinite(open) && open > 0 ? open : N;
  const perSessionKib = (after.kib - before.kib) / held;
  const projectedMib = (before.kib + perSessionKib * GOAL_SESSIONS) / 1024;
  const note = (s) => (s.stable ? '' : ' (not settled in 30 s)');
  printTable(
    `mcpgate idle legacy sessions (shared upstream, PGlite, API key): ${N} opened in ${(openMs / 1000).toFixed(1)} s, ${CONCURRENCY} at a time`,
    [
      [
        'sessions open',
        'RSS before MiB',
        'RSS after MiB',
        'per session KiB',
        `projected ${GOAL_SESSIONS} MiB`,
        `goal < ${GOAL_MIB} MiB`,
      ],
      [
        open,
        mib(before.kib) + note(before),
        mib(after.kib) + note(after),
        perSessionKib.toFixed(1),
        projectedMib.toFixed(0),
        projectedMib < GOAL_MIB ? 'met' : 'NOT met',
      ],
    ],
  );
  const kib = (b) => b / 1024;
  printTable('after a forced full GC (through the inspector)', [
    ['', 'heap used MiB', 'external MiB', 'of it array buffers MiB', 'RSS MiB'],
    [
      'before',
      mib(kib(heapBefore.heapUsed)),
      mib(kib(heapBefore.external)),
      mib(kib(heapBefore.arrayBuffers)),
      mib(rssBeforeGc.kib) + note(rssBeforeGc),
    ],
    [
      'after',
      mib(kib(heapAfter.heapUsed)),
      mib(kib(heapAfter.external)),
      mib(kib(heapAfter.arrayBuffers)),
      mib(rssAfterGc.kib) + note(rssAfterGc),
    ],
    [
      'per session KiB',
      (kib(heapAfter.heapUsed - heapBefore.heapUsed) / held).toFixed(1),
      (kib(heapAfter.external - heapBefore.external) / held).toFixed(1),
      (kib(heapAfter.arrayBuffers - heapBefore.arrayBuffers) / held).toFixed(1),
      ((rssAfterGc.kib - rssBeforeGc.kib) / held).toFixed(1),
    ],
  ]);
  if (open !== N) console.log(`!! mcpgate_sessions reports ${open} open sessions, not ${N}`);
  if (failed) console.log(`!! ${failed} of ${N} sessions failed to open; first: ${firstError}`);
} finally {
  cdp?.close();
  if (gw) {
    gw.child.kill('SIGTERM');
    // Shutdown ends every session and flushes the audit; give it its grace and then some.
    const timer = setTimeout(() => gw.child.kill('SIGKILL'), 60_000);
    const { code, signal } = await gw.exited;
    clearTimeout(timer);
    if (code !== 0) console.log(`!! gateway exited with ${code ?? signal}:\n${gw.log().slice(-2000)}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
console.log(`(bench-sessions took ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
