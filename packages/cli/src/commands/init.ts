import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG_FILE } from '@mcpgate/config';
import { bool, str, UsageError, type Command, type CommandContext } from '../command.js';
import { PROFILES, starterConfig, type Profile } from '../runtime/starter-config.js';

/** Absolute path of the published config JSON Schema, for the editor hint; undefined if not found. */
function schemaPath(): string | undefined {
  try {
    return fileURLToPath(import.meta.resolve('@mcpgate/config/schema.json'));
  } catch {
    return undefined;
  }
}

async function askProfile(ctx: CommandContext): Promise<Profile> {
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  try {
    for (;;) {
      const answer = (
        await rl.question(
          'Is this gateway for one person on this machine (laptop: allow every call, record it)\n' +
            'or shared by several people (shared: deny by default, allow by rule)? [laptop/shared] ',
        )
      )
        .trim()
        .toLowerCase();
      if (answer === '' || 'laptop'.startsWith(answer)) return 'laptop';
      if ('shared'.startsWith(answer)) return 'shared';
    }
  } finally {
    rl.close();
  }
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a commented starter config (./mcpgate.yaml) for a laptop or a shared gateway',
  help: [
    'Usage: mcpgate init [--profile laptop|shared] [--config FILE] [--force]',
    '',
    'Writes a starter config with an example upstream to replace, an explicit policy and the',
    'embedded audit store. On a terminal it asks which profile you want; scripts pass --profile:',
    '  laptop   one person on this machine: policy allows every call (each one still recorded)',
    '  shared   several people: policy denies by default, with an example allow rule',
    'Refuses to overwrite an existing file unless --force. Next: `mcpgate validate`, then',
    '`mcpgate client add <client>`.',
  ].join('\n'),
  options: {
    profile: { type: 'string', description: 'laptop or shared (asked on a terminal when not given)' },
    config: { type: 'string', short: 'c', description: `file to write (default ./${DEFAULT_CONFIG_FILE})` },
    force: { type: 'boolean', description: 'overwrite an existing file' },
  },
  async run(ctx) {
    const file = resolve(ctx.cwd, str(ctx.values, 'config') ?? DEFAULT_CONFIG_FILE);
    if (existsSync(file) && !bool(ctx.values, 'force')) {
      ctx.stderr.write(`mcpgate init: ${file} already exists; pass --force to overwrite it\n`);
      return 1;
    }
    const given = str(ctx.values, 'profile');
    let profile: Profile;
    if (given !== undefined) {
      if (!(PROFILES as readonly string[]).includes(given)) {
        throw new UsageError(`--profile must be one of ${PROFILES.join(', ')} (got "${given}")`);
      }
      profile = given as Profile;
    } else if (process.stdin.isTTY) {
      profile = await askProfile(ctx);
    } else {
      throw new UsageError('not a terminal: pass --profile laptop or --profile shared');
    }
    writeFileSync(file, starterConfig(profile, schemaPath()), {
      flag: bool(ctx.values, 'force') ? 'w' : 'wx',
    });
    ctx.stdout.write(
      `wrote ${file} (${profile})\n` +
        'next: edit its upstreams, run `mcpgate validate`, then `mcpgate client add <client>`\n' +
        '      (claude-desktop, claude-code, cursor or vscode)\n',
    );
    return 0;
  },
};
