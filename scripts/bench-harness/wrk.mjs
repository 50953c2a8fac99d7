// Benchmark harness only: drives an MCP Streamable HTTP endpoint with Debian's `wrk` (a C load
// generator, so the client's CPU does not cap the comparison). One legacy-era session is opened
// with fetch (initialize + notifications/initialized); wrk then POSTs tools/call on it from every
// connection, each request with its own JSON-RPC id, and counts answers that carry no `result`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROTOCOL = '2025-06-18';

/** Path of `wrk`, or undefined with the reason printed once by the caller. */
export function findWrk() {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return 'wrk';
}

export const WRK_MISSING =
  'wrk is not installed: the HTTP rows under wrk are skipped. Install it with ' +
  '`apt-get install wrk` (Debian/Ubuntu) and run the bench again.';

/** initialize + notifications/initialized; returns the headers every later request needs. */
export async function openSession(url, headers = {}) {
  const base = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...headers,
  };
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL,
        capabilities: {},
        clientInfo: { name: 'bench-wrk', version: '1' },
      },
    }),
  });
  const text = await init.text();
  if (!init.ok || !text.includes('"result"')) throw new Error(`initialize failed: ${init.status} ${text}`);
  const sessionId = init.headers.get('mcp-session-id');
  const h = {
    ...base,
    'mcp-protocol-version': PROTOCOL,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
  };
  const n = await fetch(url, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await n.text();
  if (n.status >= 300) throw new Error(`notifications/initialized failed: ${n.status}`);
  return h;
}

const LUA = (tool, headers) => `
wrk.method = "POST"
${Object.entries(headers)
  .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
  .join('\n')}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  n = 0
  bad = 0
  sample = ""
end
function request()
  n = n + 1
  local body = string.format('{"jsonrpc":"2.0","id":"%d-%d","method":"tools/call","params":{"name":${JSON.stringify(
    tool,
  )},"arguments":{"message":"m%d"}}}', tid, n, n)
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or string.find(body, '"isError":true', 1, true) then
    bad = bad + 1
    if sample == "" then sample = tostring(status) .. " " .. string.sub(body, 1, 200) end
  end
end
function done(summary, latency, requests)
  local b = 0
  local s = ""
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    if s == "" then s = t:get("sample") end
  end
  io.write(string.format('WRKJSON {"requests":%d,"us":%d,"p50":%d,"p99":%d,"errors":%d,"bad":%d,"sample":%q}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    b, s))
end
`;

/**
 * Runs wrk for `seconds` with `connections` keep-alive connections on one session. `during`
 * brackets the measured run (CPU snapshots). Returns calls/s, p50/p99 ms and the failure count.
 */
export async function runWrk({ url, headers, tool, connections = 16, threads = 2, seconds = 10, around }) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-bench-wrk-'));
  const script = join(dir, 'call.lua');
  // Lua's %q quoting differs from JSON; the sample is only shown, so keep it readable.
  writeFileSync(script, LUA(tool, headers));
  const before = around?.();
  const from = Number(process.hrtime.bigint() / 1000n);
  const out = await new Promise((resolve, reject) => {
    // Through a shell whose `times` prints, once wrk has exited, the CPU its children used: the
    // load generator's own CPU per call, which shares this machine's cores with the subject.
    const child = spawn(
      'sh',
      [
        '-c',
        'wrk "$@"; code=$?; echo WRKTIMES >&2; times >&2; exit $code',
        'sh',
        '-t',
        String(threads),
        '-c',
        String(connections),
        '-d',
        `${seconds}s`,
        '--timeout',
        '10s',
        '-s',
        script,
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let s = '';
    let err = '';
    child.stdout.on('data', (d) => (s += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', () => resolve({ s: s + err.replace(/WRKTIMES[\s\S]*$/, ''), times: err }));
  });
  const to = Number(process.hrtime.bigint() / 1000n);
  const after = around?.();
  const line = /WRKJSON (.*)/.exec(out.s)?.[1];
  if (!line) throw new Error(`wrk printed no summary:\n${out.s}`);
  // %q escapes newlines as "\\\n"; drop the sample if it does not parse.
  let r;
  try {
    r = JSON.parse(line);
  } catch {
    r = JSON.parse(line.replace(/"sample":.*}$/, '"sample":""}'));
  }
  return {
    calls: r.requests,
    rps: r.requests / (r.us / 1e6),
    p50: r.p50 / 1000,
    p99: r.p99 / 1000,
    failed: r.errors + r.bad,
    loadGenMs: childrenCpuMs(out.times),
    sample: r.sample,
    before,
    after,
    window: { from, to },
  };
}

/** The children's user + system CPU (ms) from a POSIX shell's `times` (its second line). */
function childrenCpuMs(text) {
  const lines = text.split('WRKTIMES')[1]?.trim().split('\n') ?? [];
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[1] ?? '');
  if (!m) return NaN;
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
}
