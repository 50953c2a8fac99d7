import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { formatIssue, loadConfig } from '@mcpgate/config';
import { buildPolicyEngine, runCases, type PolicyTestCase, type PolicyTestReport } from '@mcpgate/policy';
import { UsageError, type Command } from '../command.js';
import { policyBuildOptions } from '../runtime/policy-secrets.js';
import { FORMAT_OPTIONS, outputFormat, structuredText } from '../runtime/table.js';

export const policyTestCommand: Command = {
  name: 'policy test',
  summary: 'run table-driven policy expectations from a YAML file; exit 1 on any mismatch',
  help: [
    'Usage: mcpgate policy test FILE.yaml [--format table|json|jsonl]',
    '',
    'FILE holds `tests:` (a list of cases) and either `policy:` (a policy section inline) or',
    '`config: PATH` (a gateway config whose policy is tested; relative to FILE). A case gives the',
    'caller (`as`, `groups`, `authMethod`, `keyName`), the call (`upstream`, `tool` | `prompt` |',
    '`resource`, `method`, `args`, `annotations`, `at`) and what to expect: `expect` (the action),',
    'optionally `rule` (`default` for the default action) and `visible` (true/false).',
    'Exit code: 0 all pass, 1 a mismatch or an invalid policy, 2 usage.',
  ].join('\n'),
  options: { ...FORMAT_OPTIONS },
  positionals: true,
  async run(ctx) {
    const format = outputFormat(ctx);
    const file = ctx.positionals[0];
    if (!file || ctx.positionals.length > 1) throw new UsageError('give exactly one FILE.yaml');
    const path = resolve(ctx.cwd, file);
    let doc: unknown;
    try {
      doc = parse(await readFile(path, 'utf8'));
    } catch (err) {
      ctx.stderr.write(`mcpgate policy test: cannot read ${path}: ${(err as Error).message}\n`);
      return 1;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      ctx.stderr.write(
        `mcpgate policy test: ${path} must be a mapping with "tests" and "policy" or "config"\n`,
      );
      return 1;
    }
    const { policy, config, tests } = doc as { policy?: unknown; config?: unknown; tests?: unknown };
    if (!Array.isArray(tests) || tests.length === 0) {
      ctx.stderr.write(`mcpgate policy test: ${path}: "tests" must be a non-empty list of cases\n`);
      return 1;
    }
    let section = policy;
    if (typeof config === 'string') {
      const configPath = resolve(dirname(path), config);
      const loaded = await loadConfig({
        path: configPath,
        env: ctx.env,
        cwd: ctx.cwd,
        resolveUpstreamSecrets: false,
      });
      if (!loaded.ok) {
        for (const e of loaded.errors) ctx.stderr.write(`${formatIssue(configPath, e)}\n`);
        return 1;
      }
      section = loaded.config.policy;
    }
    const built = buildPolicyEngine(section, policyBuildOptions());
    let report: PolicyTestReport;
    if (!built.ok) report = { errors: built.errors, results: [], passed: 0, failed: built.errors.length };
    else report = runCases(built.engine, tests as PolicyTestCase[]);
    if (format !== 'table') {
      ctx.stdout.write(structuredText(format, report));
    } else {
      for (const e of report.errors) ctx.stdout.write(`ERROR ${e}\n`);
      for (const r of report.results)
        ctx.stdout.write(r.ok ? `ok    ${r.name}\n` : `FAIL  ${r.name}: ${r.problems.join('; ')}\n`);
      ctx.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
    }
    return report.failed === 0 ? 0 : 1;
  },
};
