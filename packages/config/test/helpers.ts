import { loadConfig } from '../src/load.js';
import type { LoadResult } from '../src/types.js';

export const DIR = '/srv/gw';
export const FILE = `${DIR}/mcpgate.yaml`;

/** An in-memory file system for the loader: the config at FILE plus any extra files. */
export function memFs(files: Record<string, string>): (path: string) => Promise<string> {
  return (path) => {
    const text = files[path];
    if (text !== undefined) return Promise.resolve(text);
    return Promise.reject(
      Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' }),
    );
  };
}

/** Joins lines so that `lines[i]` is line i + 1 of the file — fixtures state their line numbers. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export function load(
  text: string,
  opts: { env?: Record<string, string | undefined>; files?: Record<string, string> } = {},
): Promise<LoadResult> {
  return loadConfig({
    path: 'mcpgate.yaml',
    cwd: DIR,
    env: opts.env ?? {},
    readFile: memFs({ [FILE]: text, ...opts.files }),
  });
}

export async function loadOk(...args: Parameters<typeof load>) {
  const r = await load(...args);
  if (!r.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(r.errors, null, 2)}`);
  return r;
}

export async function loadErrors(...args: Parameters<typeof load>) {
  const r = await load(...args);
  if (r.ok) throw new Error('expected config errors, but the config loaded');
  return r.errors;
}
