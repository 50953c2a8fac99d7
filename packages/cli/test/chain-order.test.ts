import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  arrangeChain,
  CHAIN_ORDER,
  DEFAULT_NAMING,
  Gateway,
  createLogStep,
  sidesOf,
  silentLogger,
  type Interceptor,
} from '@mcpgate/core';
import { createAuditSteps, type AuditRecorder } from '@mcpgate/audit';
import { createMetricsStep, GatewayMetrics } from '@mcpgate/faces';
import { buildPolicyEngine, createAuthorizeSteps } from '@mcpgate/policy';
import { createArgumentMaskingStep, createMaskingStep, Masker } from '@mcpgate/masking';
import { createUpstreamPool } from '@mcpgate/upstream';
import { REPO } from './support.js';

/** Every real step, built the way the runtime builds them. */
function realSteps(): Interceptor[] {
  const built = buildPolicyEngine({});
  if (!built.ok) throw new Error(built.errors.join('\n'));
  const masker = new Masker({});
  // Only the steps' shape (hooks, fail mode) is read here: the recorder is never called.
  const audit = createAuditSteps({} as AuditRecorder);
  return [
    audit.inner,
    createMaskingStep(masker),
    ...createAuthorizeSteps(built.engine),
    createLogStep(silentLogger),
    createArgumentMaskingStep(masker),
    createMetricsStep(new GatewayMetrics()),
    audit.outer,
  ];
}

/** The chain as a gateway really runs it (core adds `route`). */
function gatewayChain(): readonly Interceptor[] {
  const gateway = new Gateway({
    pool: createUpstreamPool({ specs: [], logger: silentLogger }),
    steps: arrangeChain(realSteps()),
    naming: DEFAULT_NAMING,
    logger: silentLogger,
  });
  return gateway.chain();
}

describe('the chain order, declared once', () => {
  it('the gateway runs exactly the declared order, and each step acts on its declared sides and fail mode', () => {
    const chain = gatewayChain();
    expect(chain.map((s) => s.name)).toEqual(CHAIN_ORDER.map((p) => p.name));
    for (const [i, step] of chain.entries()) {
      const pos = CHAIN_ORDER[i]!;
      expect(sidesOf(step), step.name).toEqual(pos.sides);
      expect(step.failMode ?? 'closed', step.name).toBe(pos.failMode);
    }
  });

  it('arrangeChain ignores the order steps are given in and refuses steps the table does not know', () => {
    const steps = realSteps();
    expect(arrangeChain([...steps].reverse())).toEqual(arrangeChain(steps));
    expect(() => arrangeChain([{ name: 'approval-deferred' }])).toThrow(
      'chain step "approval-deferred" has no place in CHAIN_ORDER',
    );
    expect(() => arrangeChain([{ name: 'log' }, { name: 'log' }])).toThrow('given twice');
  });

  it('docs/architecture.md shows the same table', () => {
    const doc = readFileSync(join(REPO, 'docs', 'architecture.md'), 'utf8');
    const rows = doc
      .split('\n')
      .filter((l) => /^\| \d+ +\| `/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    expect(
      rows.map(([, pos, step, sides, fail]) => [Number(pos), step!.replace(/`/g, ''), sides, fail]),
    ).toEqual(CHAIN_ORDER.map((p, i) => [i + 1, p.name, p.sides.join(', '), p.failMode]));
  });
});
