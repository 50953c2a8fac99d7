import { SECTIONS, type PolicySection } from '@mcpgate/config';

/**
 * The `policy` config section. Its JSON Schema and loaded type live in the config package
 * (packages/config/src/schema/policy.ts) so the whole config schema is assembled in one place;
 * these are the names the policy package works with.
 */
export const policyConfigSchema: Readonly<Record<string, unknown>> = SECTIONS.policy;

/** The loaded section: defaults applied, durations in milliseconds. */
export type PolicyConfig = PolicySection;
export type RuleConfig = PolicySection['rules'][number];
export type MatchConfig = NonNullable<RuleConfig['match']>;
export type ArgMatcherConfig = NonNullable<MatchConfig['args']>[number];
export type ActionName = RuleConfig['action'];
export type RateLimitConfig = PolicySection['rateLimits'][number];
export type RateKey = RateLimitConfig['by'][number];
export type PinningMode = PolicySection['pinning']['default'];
