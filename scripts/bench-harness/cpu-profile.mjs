// Benchmark harness only: reads a V8 .cpuprofile (node --cpu-prof) and splits its self time by
// component — a gateway package, an npm dependency, a Node subsystem, GC — so the bench can print
// "CPU µs per call" for each part of the call path and the next regression shows where it is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function componentOf(frame) {
  const url = frame.url ?? '';
  if (!url) {
    if (frame.functionName === '(garbage collector)') return 'GC';
    if (frame.functionName === '(idle)') return undefined;
    if (frame.functionName === '(program)') return 'V8/native (program)';
    return `native ${frame.functionName || '(anonymous)'}`;
  }
  const pkg = /\/packages\/([^/]+)\/dist\//.exec(url);
  if (pkg) return `mcpgate ${pkg[1]}`;
  const mod = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (mod) return mod[1];
  if (url.startsWith('node:')) {
    const sub = url.slice(5).replace(/^internal\//, '');
    const head = sub.split('/')[0].replace(/\.js$/, '');
    return `node ${head}`;
  }
  return url;
}

/**
 * `{ component: micros }` of self time, idle excluded, summed over every profile in `dir`. With
 * `window` ({ from, to } in µs of the monotonic clock, i.e. process.hrtime.bigint() / 1000n,
 * which V8's sample timestamps share on Linux) only the samples taken inside it count: the
 * profile of the measured calls, not of start-up or warm-up.
 */
export function profileByComponent(dir, window) {
  const totals = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (window && (t < window.from || t > window.to)) continue;
      const node = byId.get(p.samples[i]);
      const c = node && componentOf(node.callFrame);
      if (!c) continue;
      totals.set(c, (totals.get(c) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
  }
  return totals;
}

/** Top functions by self time (for the profile note of a goal that is not met). */
export function topFunctions(dir, n = 15, window = undefined) {
  const totals = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const byId = new Map(p.nodes.map((x) => [x.id, x]));
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (window && (t < window.from || t > window.to)) continue;
      const node = byId.get(p.samples[i]);
      if (!node || node.callFrame.functionName === '(idle)') continue;
      const cf = node.callFrame;
      const where = (cf.url || '').replace(/.*\/(node_modules|packages)\//, '').replace(/^file:\/\//, '');
      const key = `${cf.functionName || '(anonymous)'} ${where}:${cf.lineNumber + 1}`;
      totals.set(key, (totals.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}
