import { compileSafeRegex, type JsonObject } from '@mcpgate/core';
import type { ArgMatcherConfig } from '../config.js';
import { isWithin, normalizePath, normalizeRoot } from '../detect/path.js';
import { findShellMetachar } from '../detect/shell.js';
import { findDestructiveSql } from '../detect/sql.js';
import type { SecretScanner } from '../types.js';

/** A compiled argument matcher: undefined when it matches, else why not. */
export type ArgCheck = (args: JsonObject | undefined) => string | undefined;

/**
 * Every string in a value, object keys included (a credential can be a key too). Iterative, so
 * no nesting depth hides anything or overflows the stack.
 */
function collectStrings(value: unknown, out: string[]): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push(entries[i]![1]);
        stack.push(entries[i]![0]);
      }
    }
  }
}

/**
 * Values an argument path selects: `*` = every string anywhere; otherwise a dotted path whose
 * array values are flattened one level (`paths` of read_multiple_files). Non-strings are kept
 * so path matchers can treat them as not-a-safe-path.
 */
function select(args: JsonObject | undefined, at: string): unknown[] {
  if (!args) return [];
  if (at === '*') {
    const out: string[] = [];
    collectStrings(args, out);
    return out;
  }
  let cur: unknown = args;
  for (const key of at.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return [];
    if (!Object.prototype.hasOwnProperty.call(cur, key)) return [];
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined) return [];
  return Array.isArray(cur) ? cur : [cur];
}

function strings(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) collectStrings(v, out);
  return out;
}

/** Throws a plain Error with a precise message; the rule compiler prefixes the rule path. */
export function compileArgMatcher(cfg: ArgMatcherConfig, scanner: SecretScanner | undefined): ArgCheck {
  const kinds = (['pathWithin', 'pathOutside', 'secrets', 'sql', 'shellMetachars', 'regex'] as const).filter(
    (k) => cfg[k] !== undefined,
  );
  if (kinds.length !== 1) {
    throw new Error(
      `an args entry needs exactly one of pathWithin, pathOutside, secrets, sql, shellMetachars, regex (got ${kinds.length === 0 ? 'none' : kinds.join(', ')})`,
    );
  }
  const at = cfg.at;
  switch (kinds[0]) {
    case 'pathWithin': {
      const roots = cfg.pathWithin!.map(normalizeRoot);
      return (args) => {
        const values = select(args, at);
        if (values.length === 0) return `${at}: absent`;
        for (const v of values) {
          const n = typeof v === 'string' ? normalizePath(v) : undefined;
          if (n === undefined || !roots.some((r) => isWithin(n, r)))
            return `${at}: not within ${roots.join(', ')}`;
        }
        return undefined;
      };
    }
    case 'pathOutside': {
      const roots = cfg.pathOutside!.map(normalizeRoot);
      return (args) => {
        for (const v of select(args, at)) {
          const n = typeof v === 'string' ? normalizePath(v) : undefined;
          if (n === undefined || !roots.some((r) => isWithin(n, r))) return undefined;
        }
        return `${at}: every path is within ${roots.join(', ')}`;
      };
    }
    case 'secrets': {
      if (!scanner) throw new Error('secrets matchers need the masking detectors (none were supplied)');
      const only = Array.isArray(cfg.secrets) ? (cfg.secrets as readonly string[]) : undefined;
      if (cfg.secrets === false) throw new Error('secrets: false matches nothing; remove the entry');
      for (const name of only ?? []) {
        if (!scanner.detectors.includes(name))
          throw new Error(`unknown secret detector "${name}" (known: ${scanner.detectors.join(', ')})`);
      }
      return (args) => {
        for (const s of strings(select(args, at))) if (scanner.scan(s, only) !== undefined) return undefined;
        return `${at}: no secret found`;
      };
    }
    case 'sql': {
      const check = cfg.sql!;
      return (args) => {
        for (const s of strings(select(args, at)))
          if (findDestructiveSql(s, check) !== undefined) return undefined;
        return `${at}: no ${check === 'write' ? 'writing' : 'destructive'} SQL`;
      };
    }
    case 'shellMetachars': {
      if (cfg.shellMetachars === false)
        throw new Error('shellMetachars: false matches nothing; remove the entry');
      return (args) => {
        for (const s of strings(select(args, at))) if (findShellMetachar(s) !== undefined) return undefined;
        return `${at}: no shell metacharacter`;
      };
    }
    case 'regex': {
      const re = compileSafeRegex(cfg.regex!, cfg.regexFlags ?? '');
      return (args) => {
        for (const s of strings(select(args, at))) if (re.test(s)) return undefined;
        return `${at}: no match for /${cfg.regex!}/`;
      };
    }
  }
  throw new Error('unreachable');
}
