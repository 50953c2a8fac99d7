import { isAbsolute, resolve } from 'node:path';
import type { SchemaIssue } from './schema-check.js';
import { SecretFileError } from './secret-file.js';
import type { PathSegment, ReadFile } from './types.js';

export interface ReferenceContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: ReadFile;
  /** `${file:…}` paths are relative to this directory (the config file's). */
  readonly baseDir: string;
  /** Subtrees left as written (disabled upstreams: their secrets may legitimately be absent). */
  readonly skip: (path: readonly PathSegment[]) => boolean;
}

export interface ReferenceReport {
  readonly errors: SchemaIssue[];
  readonly warnings: SchemaIssue[];
}

// `$${` is an escaped literal `${`; anything else starting with `${` must be a whole reference.
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HINT = 'expected ${env:NAME} or ${file:PATH}; write $${ for a literal "${"';

/**
 * Replaces every `${env:NAME}` and `${file:PATH}` inside the string values of `data`, in place.
 * Errors name the reference that failed (never a resolved value); the caller must not log `data`.
 */
export async function resolveReferences(data: unknown, ctx: ReferenceContext): Promise<ReferenceReport> {
  const report: ReferenceReport = { errors: [], warnings: [] };
  const files = new Map<string, Promise<string>>();
  await walk(data, [], ctx, files, report);
  return report;
}

async function walk(
  node: unknown,
  path: PathSegment[],
  ctx: ReferenceContext,
  files: Map<string, Promise<string>>,
  report: ReferenceReport,
): Promise<void> {
  if (ctx.skip(path) || node === null || typeof node !== 'object') return;
  const entries: [PathSegment, unknown][] = Array.isArray(node)
    ? node.map((v, i): [PathSegment, unknown] => [i, v])
    : Object.entries(node);
  for (const [key, value] of entries) {
    const at = [...path, key];
    if (typeof value === 'string') {
      if (!value.includes('${')) continue;
      const resolved = await resolveString(value, at, ctx, files, report);
      if (resolved !== undefined) (node as Record<PathSegment, unknown>)[key] = resolved;
    } else {
      await walk(value, at, ctx, files, report);
    }
  }
}

async function resolveString(
  text: string,
  at: PathSegment[],
  ctx: ReferenceContext,
  files: Map<string, Promise<string>>,
  report: ReferenceReport,
): Promise<string | undefined> {
  let out = '';
  let last = 0;
  let failed = false;
  for (const m of text.matchAll(TOKEN)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '$${') {
      out += '${';
      continue;
    }
    const inner = m[1];
    const value = inner === undefined ? undefined : await resolveOne(inner, at, ctx, files, report);
    if (inner === undefined) report.errors.push({ path: at, message: `unterminated reference (${HINT})` });
    if (value === undefined) failed = true;
    else out += value;
  }
  out += text.slice(last);
  return failed ? undefined : out;
}

async function resolveOne(
  inner: string,
  at: PathSegment[],
  ctx: ReferenceContext,
  files: Map<string, Promise<string>>,
  report: ReferenceReport,
): Promise<string | undefined> {
  const colon = inner.indexOf(':');
  const kind = colon < 0 ? '' : inner.slice(0, colon);
  const arg = colon < 0 ? '' : inner.slice(colon + 1);
  if (kind === 'env' && ENV_NAME.test(arg)) {
    const value = ctx.env[arg];
    if (value === undefined) {
      report.errors.push({
        path: at,
        message: `\${env:${arg}} cannot be resolved: environment variable ${arg} is not set`,
      });
      return undefined;
    }
    if (value === '') report.warnings.push({ path: at, message: `\${env:${arg}} is set but empty` });
    return value;
  }
  if (kind === 'file' && arg.trim() !== '') {
    const full = isAbsolute(arg) ? arg : resolve(ctx.baseDir, arg);
    let pending = files.get(full);
    if (!pending) {
      pending = ctx.readFile(full);
      files.set(full, pending);
    }
    try {
      // Secret files usually end with a newline the secret itself does not contain.
      return (await pending).replace(/\r?\n$/, '');
    } catch (err) {
      if (err instanceof SecretFileError) {
        report.errors.push({ path: at, message: `\${file:${arg}} cannot be resolved: ${err.message}` });
        return undefined;
      }
      const code = (err as { code?: unknown } | null)?.code;
      const why = typeof code === 'string' ? code : 'unreadable';
      report.errors.push({
        path: at,
        message: `\${file:${arg}} cannot be resolved: cannot read ${full} (${why})`,
      });
      return undefined;
    }
  }
  // Do not echo the text: a malformed reference may well be a pasted secret.
  report.errors.push({ path: at, message: `malformed reference (${HINT})` });
  return undefined;
}
