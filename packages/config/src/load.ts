import { readFile as fsReadFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatPath } from './path.js';
import { resolveReferences } from './references.js';
import { readSecretFile } from './secret-file.js';
import { checkSchema, type SchemaIssue } from './schema-check.js';
import { checkResolved, checkSemantics, enabledUpstreams } from './semantic.js';
import { buildConfig } from './normalize.js';
import { runSectionChecks } from './section-checks.js';
import { parseYamlSource } from './yaml-source.js';
import type { ConfigIssue, LoadOptions, LoadResult } from './types.js';

const defaultReadFile = (path: string): Promise<string> => fsReadFile(path, 'utf8');

/**
 * Reads, parses, validates and normalizes a config file. Every problem is collected — YAML syntax,
 * schema, semantics, references — each with its YAML path and line, so one run lists them all.
 * The result is never partially valid: either a frozen GatewayConfig or the full list of errors.
 */
export async function loadConfig(options: LoadOptions): Promise<LoadResult> {
  const readFile = options.readFile ?? defaultReadFile;
  const file = resolve(options.cwd, options.path);
  const baseDir = dirname(file);

  let text: string;
  try {
    text = await readFile(file);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `cannot read config file ${file} (${typeof code === 'string' ? code : String(err)})`,
        },
      ],
    };
  }

  const src = parseYamlSource(text);
  const errors: ConfigIssue[] = [...src.errors];
  const warnings: ConfigIssue[] = [];
  const at = (issues: readonly SchemaIssue[]): ConfigIssue[] =>
    issues.map((i) => ({ path: formatPath(i.path), ...src.locate(i.path), message: i.message }));

  // An empty file is an empty mapping: valid, with defaults everywhere and no upstreams.
  const data: unknown = src.data ?? {};
  if (src.errors.length > 0 && src.data === undefined) return { ok: false, errors: sorted(errors) };

  errors.push(...at(checkSchema(data)), ...at(checkSemantics(data)));
  const refs = await resolveReferences(data, {
    env: options.env,
    // Secret files are read capped and type-checked; a custom readFile (tests) stands in for both.
    readFile: options.readSecretFile ?? options.readFile ?? readSecretFile,
    baseDir,
    skip: (p) =>
      (p.length === 1 && String(p[0]).startsWith('x-')) ||
      (p.length === 1 && p[0] === 'upstreams' && options.resolveUpstreamSecrets === false) ||
      (p.length === 2 && p[0] === 'upstreams' && isDisabled(data, String(p[1]))),
  });
  errors.push(...at(refs.errors));
  warnings.push(...at(refs.warnings));
  if (errors.length > 0) return { ok: false, errors: sorted(errors) };

  errors.push(...at(checkResolved(data, { upstreams: options.resolveUpstreamSecrets !== false })));
  if (errors.length > 0) return { ok: false, errors: sorted(errors) };

  if (enabledUpstreams(data).length === 0) {
    warnings.push({
      path: 'upstreams',
      ...src.locate(['upstreams']),
      message: 'no enabled upstreams: the gateway will serve nothing',
    });
  }
  const config = buildConfig(data as Record<string, unknown>, baseDir);
  const checked = runSectionChecks(config, options.checks ?? {});
  errors.push(...at(checked.errors));
  warnings.push(...at(checked.warnings));
  if (errors.length > 0) return { ok: false, errors: sorted(errors) };
  return { ok: true, config, warnings: sorted(warnings) };
}

function isDisabled(data: unknown, name: string): boolean {
  const ups = (data as { upstreams?: Record<string, { disabled?: unknown } | null> }).upstreams;
  return ups?.[name]?.disabled === true;
}

function sorted(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort(
      (a, b) =>
        (a.issue.line ?? 0) - (b.issue.line ?? 0) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.i - b.i,
    )
    .map((x) => x.issue);
}
