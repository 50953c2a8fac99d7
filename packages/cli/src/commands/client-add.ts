import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { findConfigPath } from '@mcpgate/config';
import { bool, str, UsageError, type Command, type CommandContext } from '../command.js';
import {
  CLIENTS,
  clientTarget,
  currentLaunch,
  mergeClientConfig,
  type ClientName,
} from '../runtime/clients.js';
import { VERSION } from '../version.js';

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export const clientAddCommand: Command = {
  name: 'client add',
  summary: 'add this mcpgate to an MCP client (claude-desktop, claude-code, cursor, vscode)',
  help: [
    'Usage: mcpgate client add <claude-desktop|claude-code|cursor|vscode> [--project DIR]',
    '                          [--config FILE] [--name NAME] [--print]',
    '',
    'Adds a server entry that starts this installed mcpgate (absolute paths to Node and to the',
    "CLI, so desktop apps find them without your shell's PATH) on your config file, merged into",
    "the client's config without touching its other servers. The files:",
    '  claude-desktop  claude_desktop_config.json in the app settings directory (per user)',
    '  claude-code     DIR/.mcp.json (DIR: --project, default the current directory)',
    '  cursor          DIR/.cursor/mcp.json with --project, else ~/.cursor/mcp.json',
    '  vscode          DIR/.vscode/mcp.json with --project, else the user mcp.json',
    'With --print, prints the merged file instead of writing it. Restart the client afterwards.',
  ].join('\n'),
  positionals: true,
  options: {
    project: { type: 'string', description: 'the project directory whose client config to change' },
    config: {
      type: 'string',
      short: 'c',
      description: 'the gateway config the client should use (default: $MCPGATE_CONFIG, else ./mcpgate.yaml)',
    },
    name: { type: 'string', description: 'server name in the client (default mcpgate)' },
    print: { type: 'boolean', description: 'print the merged client config on stdout; change nothing' },
  },
  run(ctx) {
    return Promise.resolve(addClient(ctx));
  },
};

function addClient(ctx: CommandContext): number {
  const [client, ...extra] = ctx.positionals;
  if (client === undefined || extra.length > 0)
    throw new UsageError(`name one client: ${CLIENTS.join(', ')}`);
  if (!(CLIENTS as readonly string[]).includes(client)) {
    throw new UsageError(`unknown client "${client}"; known: ${CLIENTS.join(', ')}`);
  }
  const found = findConfigPath({ flag: str(ctx.values, 'config'), env: ctx.env, cwd: ctx.cwd });
  if (!found.ok) {
    ctx.stderr.write(`mcpgate client add: ${found.message}\n(create one with \`mcpgate init\`)\n`);
    return 1;
  }
  const name = str(ctx.values, 'name') ?? 'mcpgate';
  const launch = currentLaunch(process.argv[1] ?? '', VERSION, found.path);
  let target;
  try {
    target = clientTarget(client as ClientName, launch, {
      project: str(ctx.values, 'project'),
      cwd: ctx.cwd,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const before = readIfExists(target.file);
  let merged;
  try {
    merged = mergeClientConfig(before, target, name);
  } catch (err) {
    ctx.stderr.write(
      `mcpgate client add: cannot merge into ${target.file}: ${(err as Error).message} ` +
        '(comments or a syntax error?); nothing was changed. Add this entry by hand under ' +
        `"${target.key}":\n${JSON.stringify({ [name]: target.entry }, null, 2)}\n`,
    );
    return 1;
  }
  if (bool(ctx.values, 'print')) {
    ctx.stdout.write(merged.json);
    return 0;
  }
  if (merged.action !== 'unchanged') {
    mkdirSync(dirname(target.file), { recursive: true });
    // Write beside, then rename: a crash never leaves the client a half-written file.
    const tmp = `${target.file}.mcpgate-${process.pid}.tmp`;
    writeFileSync(tmp, merged.json);
    renameSync(tmp, target.file);
  }
  ctx.stdout.write(`${merged.action} "${name}" in ${target.file}\nrestart ${client} to pick it up\n`);
  return 0;
}
