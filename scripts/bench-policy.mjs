#!/usr/bin/env node
// Policy decision cost with 1,000 rules: prints p50/p99 per call for the indexed evaluator and,
// as a same-run baseline, a full ordered scan of every rule (what explain does).
// Run after `pnpm build`: node scripts/bench-policy.mjs
/* global process, console */
import { buildPolicyEngine } from '../packages/policy/dist/index.js';

const UPSTREAMS = 50;
const TOOLS = 20;
const rules = [];
for (let u = 0; u < UPSTREAMS; u++) {
  for (let t = 0; t < TOOLS; t++) {
    const i = u * TOOLS + t;
    const match = { upstreams: [`up${u}`], tools: [t % 5 === 0 ? `tool${t}*` : `tool${t}`] };
    if (i % 3 === 0) match.groups = [`team${i % 7}`];
    if (i % 4 === 0)
      match.arguments = { type: 'object', properties: { limit: { type: 'integer', maximum: 100 } } };
    if (i % 10 === 0) match.args = [{ at: 'path', pathWithin: ['/srv/data'] }];
    rules.push({ name: `r${i}`, match, action: i % 2 === 0 ? 'allow' : 'deny' });
  }
}
const built = buildPolicyEngine({ default: 'deny', rules });
if (!built.ok) throw new Error(built.errors.join('\n'));
const engine = built.engine;

const now = new Date();
const inputs = [];
for (let k = 0; k < 997; k++) {
  const u = (k * 7) % UPSTREAMS;
  const t = (k * 3) % TOOLS;
  inputs.push({
    identity: { subject: `user${k % 13}`, groups: [`team${k % 7}`], authMethod: 'oidc' },
    method: 'tools/call',
    target: { kind: 'tool', upstream: `up${u}`, name: `tool${t}` },
    arguments: { limit: k % 200, path: k % 2 ? '/srv/data/x' : '/srv/data/../etc/passwd' },
    now,
  });
}

function measure(label, fn, iterations) {
  for (let i = 0; i < 5000; i++) fn(inputs[i % inputs.length]); // warm-up (and index caches)
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const input = inputs[i % inputs.length];
    const t0 = process.hrtime.bigint();
    fn(input);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  const p = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(2);
  console.log(`${label.padEnd(46)} p50 ${p(0.5)} µs   p99 ${p(0.99)} µs   (n=${iterations})`);
  return Number(p(0.5));
}

console.log(`policy bench: ${rules.length} rules, ${inputs.length} distinct calls`);
const p50 = measure('evaluate (indexed, first match)', (i) => engine.evaluate(i), 200_000);
measure('baseline: explain (scan every rule)', (i) => engine.explain(i), 20_000);
console.log(`goal: p50 < 20 µs with 1,000 rules — ${p50 < 20 ? 'met' : 'NOT met'}`);

// Worst case for the index: 1,000 rules that all apply to the same target and differ only by
// group, the caller in none of them, so every call walks every rule to the default.
const flat = buildPolicyEngine({
  default: 'deny',
  rules: Array.from({ length: 1000 }, (_, i) => ({
    name: `g${i}`,
    match: { groups: [`group${i}`] },
    action: 'allow',
  })),
});
if (!flat.ok) throw new Error(flat.errors.join('\n'));
const outsider = {
  identity: { subject: 'nobody', groups: ['none'], authMethod: 'oidc' },
  method: 'tools/call',
  target: { kind: 'tool', upstream: 'up0', name: 'tool0' },
  now,
};
inputs.length = 0;
inputs.push(outsider);
measure('worst case: 1,000 applicable rules, no match', (i) => flat.engine.evaluate(i), 50_000);
