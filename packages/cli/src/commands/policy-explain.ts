import { CHAIN_ORDER, type AuthMethod, type JsonObject } from '@mcpgate/core';
import {
  buildPolicyEngine,
  inputOfCase,
  isUpstreamRequest,
  type PolicyTestCase,
  type RuleTrace,
} from '@mcpgate/policy';
import { bool, str, UsageError, type Command } from '../command.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';
import { loadConfigForCommand } from '../runtime/load-config.js';
import { policyBuildOptions } from '../runtime/policy-secrets.js';

const AUTH_METHODS: readonly AuthMethod[] = ['local', 'oidc', 'introspection', 'api-key', 'none'];

function parseArgsJson(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--args is not valid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new UsageError('--args must be a JSON object');
  return v as JsonObject;
}

/** The chain's declared order, one step per line (wrapped reasons indented under it). */
function stepsText(): string {
  const lines = ['order  step          part    sides                      fail', ''];
  CHAIN_ORDER.forEach((p, i) => {
    const only = p.only ? ` (${p.only})` : '';
    lines.push(
      `${String(i + 1).padStart(5)}  ${p.name.padEnd(12)}  ${p.part.padEnd(6)}  ${p.sides.join(', ').padEnd(25)}  ${p.failMode}`,
    );
    for (const l of wrap(`${p.why}${only}`, 70)) lines.push(`       ${l}`);
  });
  lines.push(
    '',
    'The request side runs top to bottom; the response side and the upstream side (what an',
    "upstream starts, and the client's answers to it) run bottom to top.",
  );
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function traceLine(t: RuleTrace): string {
  const verdict = t.matched ? 'matched' : `no: ${t.failed ?? ''}`;
  return `  ${String(t.index + 1).padStart(3)}. ${t.rule.padEnd(32)} ${t.action.padEnd(16)} ${verdict}`;
}

export const policyExplainCommand: Command = {
  name: 'policy explain',
  summary: 'show how the policy decides a call and which rules it considered',
  help: [
    'Usage: mcpgate policy explain --as SUBJECT [--groups A,B] [--auth-method oidc] [--key-name NAME]',
    '         (--tool NAME | --prompt NAME | --resource URI) [--upstream NAME] [--method M]',
    '         [--args JSON] [--at ISO-TIME] [--config FILE] [--format table|json|jsonl]',
    '       mcpgate policy explain --steps [--format table|json|jsonl]',
    '',
    "Evaluates the config's policy for one hypothetical call without running anything. --tool takes",
    "the upstream's own tool name with --upstream, or the namespaced name (`fs__read_file`). Prints",
    'the decision, the deciding rule, whether the target is visible in lists, and every rule tried in',
    'order with the first condition that did not hold, and the defaults for what upstreams may ask of',
    'the client (sampling, elicitation, roots). With --method sampling/createMessage (or',
    'elicitation/create, roots/list) and --tool/--upstream it decides such a request of that tool.',
    '',
    '--steps prints the chain: every step in order, the sides it acts on, its fail mode and why it',
    'sits there.',
  ].join('\n'),
  options: {
    as: { type: 'string' },
    groups: { type: 'string' },
    'auth-method': { type: 'string' },
    'key-name': { type: 'string' },
    upstream: { type: 'string' },
    tool: { type: 'string' },
    prompt: { type: 'string' },
    resource: { type: 'string' },
    method: { type: 'string' },
    args: { type: 'string' },
    at: { type: 'string' },
    config: { type: 'string', short: 'c' },
    ...FORMAT_OPTIONS,
    steps: { type: 'boolean' },
  },
  async run(ctx) {
    const format = outputFormat(ctx);
    if (bool(ctx.values, 'steps')) {
      ctx.stdout.write(format !== 'table' ? structuredText(format, CHAIN_ORDER) : stepsText());
      return 0;
    }
    const subject = str(ctx.values, 'as');
    if (!subject) throw new UsageError('--as SUBJECT is required');
    const authMethod = str(ctx.values, 'auth-method') ?? 'oidc';
    if (!AUTH_METHODS.includes(authMethod as AuthMethod))
      throw new UsageError(`--auth-method must be one of ${AUTH_METHODS.join(', ')}`);
    const at = str(ctx.values, 'at');
    if (at !== undefined && Number.isNaN(Date.parse(at)))
      throw new UsageError('--at must be an ISO date-time');
    const args = parseArgsJson(str(ctx.values, 'args'));
    const loaded = await loadConfigForCommand(ctx);
    if (!loaded) return 1;
    const built = buildPolicyEngine(loaded.config.policy, policyBuildOptions());
    if (!built.ok) {
      ctx.stderr.write(`mcpgate policy explain: the policy in ${loaded.path} is invalid:\n`);
      for (const e of built.errors) ctx.stderr.write(`  ${e}\n`);
      return 1;
    }
    let upstream = str(ctx.values, 'upstream');
    let tool = str(ctx.values, 'tool');
    let prompt = str(ctx.values, 'prompt');
    const sep = loaded.config.naming.separator;
    const split = (name: string | undefined): string | undefined => {
      if (name === undefined || upstream !== undefined) return name;
      const i = name.indexOf(sep);
      if (i <= 0) return name;
      upstream = name.slice(0, i);
      return name.slice(i + sep.length);
    };
    tool = split(tool);
    prompt = split(prompt);
    const kase: PolicyTestCase = {
      as: subject,
      groups: (str(ctx.values, 'groups') ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      authMethod: authMethod as AuthMethod,
      ...(str(ctx.values, 'key-name') !== undefined ? { keyName: str(ctx.values, 'key-name')! } : {}),
      ...(upstream !== undefined ? { upstream } : {}),
      ...(tool !== undefined ? { tool } : {}),
      ...(prompt !== undefined ? { prompt } : {}),
      ...(str(ctx.values, 'resource') !== undefined ? { resource: str(ctx.values, 'resource')! } : {}),
      ...(str(ctx.values, 'method') !== undefined ? { method: str(ctx.values, 'method')! } : {}),
      ...(args ? { args } : {}),
      ...(at !== undefined ? { at } : {}),
      expect: 'n/a',
    };
    const engine = built.engine;
    const up = engine.config.upstreamRequests;
    const input = inputOfCase(kase);
    const { decision, considered } = engine.explain(input);
    const kind =
      input.target.kind === 'tool'
        ? 'tools'
        : input.target.kind === 'prompt'
          ? 'prompts'
          : input.target.kind === 'resource'
            ? 'resources'
            : undefined;
    const visible = kind ? !engine.isHidden(input.identity, kind, input.target) : true;
    if (format !== 'table') {
      ctx.stdout.write(
        structuredText(format, {
          decision,
          visible,
          considered,
          upstreamRequests: up,
          input: { ...input, now: input.now.toISOString() },
        }),
      );
      return 0;
    }
    const by = decision.rule
      ? `rule "${decision.rule}"`
      : isUpstreamRequest(input.method)
        ? `the default for upstream requests (${decision.action})`
        : `the default (${engine.config.default})`;
    const lines = [
      `decision: ${decision.action} by ${by}${decision.message ? ` — ${decision.message}` : ''}`,
      `reason: ${decision.reason}`,
      `policy version: ${decision.policyVersion}`,
      `visible in lists: ${visible ? 'yes' : 'no (calls answer like a missing name)'}`,
      ...(decision.approval
        ? [
            `approval: ${decision.approval.approvals} of ${decision.approval.reviewers.join(', ')}, ${decision.approval.mode}, timeout ${decision.approval.timeoutMs} ms`,
          ]
        : []),
      ...(decision.grant
        ? [
            `grant: reviewers ${decision.grant.reviewers.join(', ')}, at most ${decision.grant.maxDurationMs} ms`,
          ]
        : []),
      `rules considered (${considered.length} of ${engine.rules.length}):`,
      ...considered.map(traceLine),
    ];
    if (!decision.rule) lines.push(`  default: ${decision.action}`);
    // What upstreams may ask of the client when no rule names the method (docs/policy.md).
    lines.push(
      `upstream requests without a rule naming them: sampling ${up.sampling}, elicitation ${up.elicitation}, roots ${up.roots}`,
    );
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
