import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

/** The MCP clients `mcpgate client add` knows how to configure (facts: docs/clients.md). */
export type ClientName = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode';
export const CLIENTS: readonly ClientName[] = ['claude-desktop', 'claude-code', 'cursor', 'vscode'];

/** How a client starts mcpgate: the same for every client, in each client's own shape. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

export interface ClientTarget {
  /** The JSON file to merge into. */
  readonly file: string;
  /** Top-level key holding the servers: `mcpServers`, or `servers` for VS Code. */
  readonly key: 'mcpServers' | 'servers';
  readonly entry: Record<string, unknown>;
}

interface Platform {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
}

/** Per-user application settings directory of a desktop app (macOS, Windows, else XDG). */
function appDir(p: Platform, app: string): string {
  if (p.platform === 'darwin') return join(p.home, 'Library', 'Application Support', app);
  if (p.platform === 'win32') return join(p.env.APPDATA ?? join(p.home, 'AppData', 'Roaming'), app);
  return join(p.env.XDG_CONFIG_HOME ?? join(p.home, '.config'), app);
}

/**
 * Where each client keeps its servers. `project` selects the per-project file where the client
 * has one; Claude Desktop has only the per-user file, Claude Code is configured per project
 * (`.mcp.json`, shared with the team) unless `claude mcp add --scope user` is used.
 */
export function clientTarget(
  client: ClientName,
  launch: Launch,
  opts: { project?: string | undefined; cwd: string; platform?: Platform },
): ClientTarget {
  const p = opts.platform ?? { platform: process.platform, env: process.env, home: homedir() };
  const stdio = { command: launch.command, args: [...launch.args] };
  switch (client) {
    case 'claude-desktop':
      if (opts.project !== undefined)
        throw new Error('Claude Desktop has no per-project config; drop --project');
      return {
        file: join(appDir(p, 'Claude'), 'claude_desktop_config.json'),
        key: 'mcpServers',
        entry: stdio,
      };
    case 'claude-code':
      return {
        file: join(resolve(opts.cwd, opts.project ?? '.'), '.mcp.json'),
        key: 'mcpServers',
        entry: stdio,
      };
    case 'cursor':
      return {
        file: join(
          opts.project !== undefined ? resolve(opts.cwd, opts.project) : p.home,
          '.cursor',
          'mcp.json',
        ),
        key: 'mcpServers',
        entry: stdio,
      };
    case 'vscode':
      return {
        file:
          opts.project !== undefined
            ? join(resolve(opts.cwd, opts.project), '.vscode', 'mcp.json')
            : join(appDir(p, 'Code'), 'User', 'mcp.json'),
        key: 'servers',
        entry: { type: 'stdio', ...stdio },
      };
  }
}

/**
 * How to start the mcpgate that is running now: this Node binary and this CLI's real entry file,
 * both absolute. Desktop apps start servers without the login shell's PATH (a Node from a version
 * manager is not on it), so neither `mcpgate` nor `node` alone would be found. Run through `npx`,
 * the entry lives in npx's cache, which is pruned: then the client runs `npx -y mcpgate@VERSION`.
 */
export function currentLaunch(entry: string, version: string, configFile: string): Launch {
  const real = realpathSync(entry);
  const tail = ['stdio', '--config', configFile];
  if (real.includes(`${sep}_npx${sep}`))
    return { command: 'npx', args: ['-y', `mcpgate@${version}`, ...tail] };
  return { command: process.execPath, args: [real, ...tail] };
}

/**
 * Merges `name` into the client's config text, keeping every other server and key. Throws when
 * the text is not a JSON object (the caller then changes nothing and says so).
 */
export function mergeClientConfig(
  text: string | undefined,
  target: ClientTarget,
  name: string,
): { json: string; action: 'added' | 'updated' | 'unchanged' } {
  let doc: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('it is not a JSON object');
    doc = parsed as Record<string, unknown>;
  }
  const current = doc[target.key];
  if (current !== undefined && (typeof current !== 'object' || current === null || Array.isArray(current))) {
    throw new Error(`its "${target.key}" is not an object`);
  }
  const servers = { ...(current as Record<string, unknown> | undefined) };
  const before = servers[name];
  const action =
    before === undefined
      ? 'added'
      : JSON.stringify(before) === JSON.stringify(target.entry)
        ? 'unchanged'
        : 'updated';
  servers[name] = target.entry;
  doc[target.key] = servers;
  return { json: `${JSON.stringify(doc, null, 2)}\n`, action };
}
