import type { Interceptor } from './chain.js';
import { GatewayError } from './errors.js';
import type { ChainSteps } from './gateway.js';

export type ChainSide = 'request' | 'response' | 'upstream';

/** One position of the chain: which step sits there, on which sides it acts, and why there. */
export interface ChainPosition {
  readonly name: string;
  /** `outer` steps see every request; `route` is core's; `inner` steps see the routed call. */
  readonly part: 'outer' | 'route' | 'inner';
  readonly sides: readonly ChainSide[];
  /** What a thrown error means: `closed` refuses the call (or message), `open` logs and goes on. */
  readonly failMode: 'closed' | 'open';
  /** The package that provides the step. */
  readonly owner: string;
  /** Present only in some setups (e.g. the HTTP face's metrics). */
  readonly only?: string;
  readonly why: string;
}

/**
 * The chain's order, declared once. The request side runs top to bottom; the response side and
 * the upstream side (what an upstream starts, and the client's answers to it) run bottom to top,
 * so the outer audit step records last what the client receives. The runtime arranges the steps it
 * is given by this table (`arrangeChain`), `mcpgate policy explain --steps` prints it, and a test
 * checks it against the steps' code and docs/architecture.md.
 */
export const CHAIN_ORDER: readonly ChainPosition[] = [
  {
    name: 'audit',
    part: 'outer',
    sides: ['response', 'upstream'],
    failMode: 'closed',
    owner: 'audit',
    why: 'outermost, so it records last: exactly what the client receives, refusals and unknown names included, and every upstream-side message as it went on',
  },
  {
    name: 'metrics',
    part: 'outer',
    sides: ['request', 'response'],
    failMode: 'open',
    owner: 'faces',
    only: 'HTTP face',
    why: 'counts and times every call',
  },
  {
    name: 'log',
    part: 'outer',
    sides: ['response'],
    failMode: 'open',
    owner: 'core',
    why: 'one line per call with timings; metadata only, never payloads',
  },
  {
    name: 'route',
    part: 'route',
    sides: ['request'],
    failMode: 'closed',
    owner: 'core',
    why: "resolves namespaced names and URIs to an upstream (unknown names are refused here, after the outer steps saw them); passes a modern retry's answers through the upstream side",
  },
  {
    name: 'pinning',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'policy',
    why: 'a changed or new tool definition in block mode answers like a missing name, before any rule is read',
  },
  {
    name: 'policy',
    part: 'inner',
    sides: ['request', 'upstream'],
    failMode: 'closed',
    owner: 'policy',
    why: 'needs the routed target; decides the call (a hidden deny answers like a missing name), and what the upstream asks of the client',
  },
  {
    name: 'rate-limit',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'policy',
    why: 'after the decision, so only calls that could run count',
  },
  {
    name: 'confirm',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'policy',
    why: 'asks the calling user (elicitation) when the decision is confirm',
  },
  {
    name: 'grant',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'policy',
    why: 'runs a require_grant call only under an active just-in-time grant',
  },
  {
    name: 'approval',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'policy',
    why: 'holds a require_approval call for reviewers (wait), or answers it at once with the approval id (defer); last of the decisions, so nobody is asked to approve a call that would be refused anyway',
  },
  {
    name: 'mask-args',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'masking',
    why: 'leaves a masked audit copy of the arguments; the upstream receives the originals',
  },
  {
    name: 'mask',
    part: 'inner',
    sides: ['response', 'upstream'],
    failMode: 'closed',
    owner: 'masking',
    why: 'masks what goes to the client (results, upstream errors, log data, progress text, sampling and elicitation text) before the outer audit records it; masks the audit copy of the client answers',
  },
  {
    name: 'audit-ahead',
    part: 'inner',
    sides: ['request'],
    failMode: 'closed',
    owner: 'audit',
    why: 'last before forwarding: the request record is committed only for a call that will really be forwarded, and right before it is',
  },
];

/** The sides a step's code acts on (which hooks it has). */
export function sidesOf(step: Interceptor): ChainSide[] {
  const sides: ChainSide[] = [];
  if (step.onRequest) sides.push('request');
  if (step.onResponse) sides.push('response');
  if (step.onUpstream) sides.push('upstream');
  return sides;
}

/**
 * Places the given steps by CHAIN_ORDER (the order they are given in does not matter). A step the
 * table does not know, a step given twice, or `route` (core adds it) is an error: the order must
 * stay declared in one place.
 */
export function arrangeChain(steps: readonly Interceptor[]): ChainSteps {
  const byName = new Map<string, Interceptor>();
  for (const s of steps) {
    const pos = CHAIN_ORDER.find((p) => p.name === s.name);
    if (!pos || pos.part === 'route')
      throw new GatewayError('internal', `chain step "${s.name}" has no place in CHAIN_ORDER`);
    if (byName.has(s.name)) throw new GatewayError('internal', `chain step "${s.name}" given twice`);
    byName.set(s.name, s);
  }
  const pick = (part: ChainPosition['part']): Interceptor[] =>
    CHAIN_ORDER.filter((p) => p.part === part && byName.has(p.name)).map((p) => byName.get(p.name)!);
  return { outer: pick('outer'), inner: pick('inner') };
}
