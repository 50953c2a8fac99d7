import type { PolicySection } from '@mcpgate/config';
import { compileGlobSet } from './match/glob.js';

/**
 * Upstreams whose every tool, prompt and resource this policy hides from every caller: the
 * default is deny and no rule with another action can match the upstream. Such a config serves
 * nothing from that upstream and says nothing about it at run time (hidden means hidden), so the
 * loader warns. Conservative: a rule that names no upstream could open anything, and then no
 * upstream is reported.
 */
export function upstreamsHiddenFromEveryone(policy: PolicySection, upstreams: readonly string[]): string[] {
  if (policy.default !== 'deny') return [];
  const opening = policy.rules.filter((r) => r.action !== 'deny');
  return upstreams.filter(
    (name) =>
      !opening.some((r) => r.match?.upstreams === undefined || compileGlobSet(r.match.upstreams).test(name)),
  );
}

/** The load-time warning for each such upstream, with the two usual fixes. */
export function hiddenUpstreamWarnings(
  policy: PolicySection,
  upstreams: readonly string[],
): { path: string[]; message: string; severity: 'warning' }[] {
  return upstreamsHiddenFromEveryone(policy, upstreams).map((name) => ({
    path: ['default'],
    severity: 'warning',
    message:
      `no rule allows anything on upstream "${name}" and the default is deny, so all of its tools, ` +
      'prompts and resources are hidden from every caller (tools/list is empty, calls answer "unknown ' +
      `tool"). Fix: add a rule such as { name: use-${name}, match: { upstreams: [${name}] }, action: ` +
      'allow } (narrowed by groups), or set policy.default: allow on a single-user machine',
  }));
}
