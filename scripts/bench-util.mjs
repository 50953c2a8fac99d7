// Shared helpers for the benchmark scripts: percentiles and a plain table printer.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function printTable(title, rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  console.log(`\n== ${title}`);
  for (const r of rows) console.log(r.map((v, c) => String(v).padEnd(widths[c])).join('  '));
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function statOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces: fields after the closing parenthesis are positional.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return {
      comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')),
      ppid: Number(rest[1]),
      cpu: (Number(rest[11]) + Number(rest[12])) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU milliseconds (user + system) used so far by: `pid` itself, its descendants (a bridge's
 * upstream children), and every `postgres` process (the audit store's share; 0 with PGlite).
 */
export function cpuSnapshot(pid) {
  const all = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = statOf(d);
    if (st) all.set(Number(d), st);
  }
  const descendants = new Set();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, st] of all)
      if (!descendants.has(p) && (st.ppid === pid || descendants.has(st.ppid))) {
        descendants.add(p);
        grew = true;
      }
  }
  let children = 0;
  let direct = 0;
  let postgres = 0;
  for (const p of descendants) {
    children += all.get(p).cpu;
    // `mcpgate serve --workers N`: the workers are the primary's children, the upstreams theirs.
    if (all.get(p).ppid === pid) direct += all.get(p).cpu;
  }
  for (const st of all.values()) if (st.comm === 'postgres') postgres += st.cpu;
  return { self: all.get(pid)?.cpu ?? NaN, children, direct, postgres };
}

export const MCPGATE_CLI = join(REPO, 'packages', 'cli', 'bin', 'mcpgate.js');
/** What benchmarked processes inherit: nothing of the caller's environment beyond these. */
export const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

/**
 * Writes `<dir>/mcpgate.yaml` for `mcpgate serve` in front of one stdio upstream (shared mode)
 * with API-key auth and policy `allow` (or the given `policy` section lines), and creates one key with `mcpgate keys create`.
 * `storeUrl`: Postgres, or undefined for the embedded store in `dir`. `server`: YAML lines of the
 * `server` section. Returns the config path, the key and the environment the gateway needs.
 */
export function apiKeyGatewayConfig(
  dir,
  { upstreamArgs, storeUrl, server = ['  port: 0'], pepper, policy = ['  default: allow'] },
) {
  const config = join(dir, 'mcpgate.yaml');
  writeFileSync(
    config,
    [
      'upstreams:',
      '  everything:',
      '    alias: ev',
      `    command: ${process.execPath}`,
      `    args: ${JSON.stringify(upstreamArgs)}`,
      'policy:',
      ...policy,
      'store:',
      storeUrl ? `  url: ${JSON.stringify(storeUrl)}` : '  dir: ./data',
      'server:',
      ...server,
      'auth:',
      '  mode: oauth',
      '  apiKeys:',
      '    enabled: true',
      '    pepper: ${env:PEPPER}',
      'logging:',
      '  level: warn',
      '',
    ].join('\n'),
  );
  const env = { ...BASE_ENV, PEPPER: pepper };
  const created = spawnSync(
    process.execPath,
    [MCPGATE_CLI, 'keys', 'create', '--name', 'bench', '--config', config],
    {
      env,
      encoding: 'utf8',
    },
  );
  const key = /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(created.stdout)?.[0];
  if (!key) throw new Error(`keys create failed: ${created.stderr}`);
  return { config, key, env };
}

/**
 * CPU milliseconds used so far by the Postgres server processes working for `database`: its
 * backends (process title `postgres: … <user> <database> <client> …`) plus the WAL writer, whose
 * flushes a commit may wait on. Other databases' backends on a shared server are left out.
 */
export function pgCpuOf(database) {
  let ms = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let title;
    try {
      title = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (!title.startsWith('postgres:')) continue;
    const words = title.split(/\s+/);
    if (words.includes(database) || /\bwalwriter\b/.test(title)) ms += statOf(d)?.cpu ?? 0;
  }
  return ms;
}

/** `mcpgate stdio` with server-everything as upstream `ev` and the audit on `storeUrl` (the stdio benches). */
export function auditedStdioConfig(dir, storeUrl, everything) {
  return [
    'upstreams:',
    '  everything:',
    '    alias: ev',
    `    command: ${JSON.stringify(process.execPath)}`,
    `    args: [${JSON.stringify(everything)}, "stdio"]`,
    '    era: legacy',
    'logging: { level: info }',
    'policy: { default: allow }',
    `store: { url: ${JSON.stringify(storeUrl)} }`,
    `audit: { signingKeyFile: ${JSON.stringify(`${dir}/signing.key`)} }`,
    '',
  ].join('\n');
}
