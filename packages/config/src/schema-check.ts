import { closestKey } from './suggest.js';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { NORMALIZE } from './schema/common.js';
import { configSchema } from './schema/root.js';
import { formatPath, pointerToPath } from './path.js';
import type { PathSegment } from './types.js';

/** A schema violation, still with structured path segments so the caller can find its line. */
export interface SchemaIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

let compiled: ValidateFunction | undefined;

/** Strict ajv: unknown keywords, ambiguous types and ignored defaults in the schema are bugs, caught at compile. */
function validator(): ValidateFunction {
  compiled ??= new Ajv({ strict: true, allErrors: true, useDefaults: true, verbose: true }).compile(
    configSchema,
  );
  return compiled;
}

/** Keywords about an object's keys: still worth reporting next to a type error at the same path. */
const OBJECT_KEYWORDS = new Set(['additionalProperties', 'required', 'propertyNames', 'dependencies']);

/** The loader reports these with its own, clearer messages (see semantic.ts). */
const HANDLED_BY_SEMANTIC = /^#\/properties\/upstreams\/additionalProperties\/(oneOf|dependencies)$/;

/**
 * Validates `data` in place (defaults are inserted) and returns every violation with a message a
 * person can act on. Messages never quote the offending value: it could be a literal secret.
 */
export function checkSchema(data: unknown): SchemaIssue[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // anyOf/oneOf report one error per failed branch plus their own; keep only their own.
  const groups = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => `${e.schemaPath}/`);
  // A value of the wrong type also fails its enum/pattern/range checks; the type error says it all.
  const inGroup = (e: ErrorObject): boolean => groups.some((g) => e.schemaPath.startsWith(g));
  const wrongType = new Set(
    errors.filter((e) => e.keyword === 'type' && !inGroup(e)).map((e) => e.instancePath),
  );
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (inGroup(e)) continue;
    if (e.keyword !== 'type' && wrongType.has(e.instancePath) && !OBJECT_KEYWORDS.has(e.keyword)) continue;
    if (e.schemaPath.includes('/propertyNames/')) continue;
    if (HANDLED_BY_SEMANTIC.test(e.schemaPath)) continue;
    const issue = describe(e, pointerToPath(e.instancePath, data));
    const key = `${formatPath(issue.path)}\0${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function describe(e: ErrorObject, at: PathSegment[]): SchemaIssue {
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string | symbol, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties as object | undefined) ?? {});
      const hint =
        allowed.length === 0 ? 'this section has no keys yet' : `allowed keys: ${allowed.join(', ')}`;
      const guess = closestKey(key, allowed);
      const mean = guess === undefined ? '' : `did you mean "${guess}"? `;
      return { path: [...at, key], message: `unknown key "${key}" (${mean}${hint})` };
    }
    case 'required':
      return { path: at, message: `missing required key "${String(params.missingProperty)}"` };
    case 'propertyNames': {
      const name = String(params.propertyName);
      const pattern = (parent.propertyNames as { pattern?: string } | undefined)?.pattern;
      return {
        path: [...at, name],
        message: `invalid key "${name}"${pattern ? `: must match ${pattern}` : ''}`,
      };
    }
    case 'type': {
      const types = String(params.type).split(',');
      return { path: at, message: `must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}` };
    }
    case 'enum':
      return { path: at, message: `must be one of: ${quoteList(params.allowedValues as unknown[])}` };
    case 'pattern':
      return { path: at, message: `must match ${String(params.pattern)}` };
    case 'minLength':
      return { path: at, message: params.limit === 1 ? 'must not be empty' : (e.message ?? 'too short') };
    case 'dependencies':
      return {
        path: [...at, String(params.property)],
        message: `"${String(params.property)}" is only allowed together with "${String(params.missingProperty)}"`,
      };
    case 'anyOf':
      return {
        path: at,
        message:
          parent[NORMALIZE] === 'duration'
            ? 'must be a duration like 250ms, 30s, 2m, 1h, 7d, or a whole number of milliseconds'
            : 'does not match any of the allowed forms',
      };
    case 'oneOf':
      return { path: at, message: 'must match exactly one of the allowed forms' };
    default:
      return { path: at, message: e.message ?? `violates ${e.keyword}` };
  }
}
