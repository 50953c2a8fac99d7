import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const CONFIG_ENV = 'MCPGATE_CONFIG';
export const DEFAULT_CONFIG_FILE = 'mcpgate.yaml';

export interface FindConfigOptions {
  /** Value of `--config`, if given. */
  readonly flag?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Existence check; defaults to node:fs. */
  readonly exists?: (path: string) => boolean;
}

export type FindConfigResult =
  | { readonly ok: true; readonly path: string; readonly source: 'flag' | 'env' | 'default' }
  | { readonly ok: false; readonly message: string; readonly tried: readonly string[] };

/**
 * Config discovery: `--config`, then `$MCPGATE_CONFIG`, then `./mcpgate.yaml`. The first source
 * that is *given* decides — a `--config` naming a missing file is an error, not a reason to fall
 * back to another file the operator did not mean.
 */
export function findConfigPath(options: FindConfigOptions): FindConfigResult {
  const exists = options.exists ?? existsSync;
  const tried: string[] = [];
  const pick = (value: string, source: 'flag' | 'env' | 'default', label: string): FindConfigResult => {
    const path = resolve(options.cwd, value);
    if (exists(path)) return { ok: true, path, source };
    tried.push(`${label}: ${path} does not exist`);
    return { ok: false, message: `config file not found (${tried.join('; ')})`, tried };
  };
  if (options.flag !== undefined && options.flag !== '') return pick(options.flag, 'flag', '--config');
  tried.push('--config: not given');
  const fromEnv = options.env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return pick(fromEnv, 'env', CONFIG_ENV);
  tried.push(`${CONFIG_ENV}: not set`);
  return pick(DEFAULT_CONFIG_FILE, 'default', `./${DEFAULT_CONFIG_FILE}`);
}
