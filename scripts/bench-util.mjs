// Shared helpers for the benchmark scripts: percentiles and a plain table printer.
import { readdirSync, readFileSync } from 'node:fs';
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
  let postgres = 0;
  for (const p of descendants) children += all.get(p).cpu;
  for (const st of all.values()) if (st.comm === 'postgres') postgres += st.cpu;
  return { self: all.get(pid)?.cpu ?? NaN, children, postgres };
}
