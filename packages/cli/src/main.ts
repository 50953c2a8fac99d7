import { COMMANDS, type CommandEntry } from './commands/index.js';
import { formatHelp, parseCommandArgs, UsageError } from './command.js';
import { VERSION } from './version.js';
import { closest } from './runtime/text.js';
import { fitHelp } from './runtime/help-text.js';

// Only the static command table is imported here: top help, unknown-command messages and
// dispatch work from names and summaries, and just the chosen command's module is loaded.

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  // Summaries wrap under their own column: the list fits an 80-column terminal.
  return fitHelp(
    `mcpgate ${VERSION} — a governed, audited gateway for MCP tool servers\n\nUsage: mcpgate <command> [options]\n\nCommands:\n${lines}\n\nRun "mcpgate <command> --help" for a command's options.\n`,
    80,
  );
}

/** Finds the longest command name matching the leading words (commands like `audit verify`). */
function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: { entry: CommandEntry; rest: string[] } | undefined;
  for (const entry of COMMANDS) {
    const words = entry.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.entry.name.split(' ').length)) {
      best = { entry, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[]): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    out.write(topHelp());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    out.write(`${VERSION}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      out.write(
        `Subcommands of "${argv[0]}":\n${group.map((c) => `  mcpgate ${c.name}  — ${c.summary}`).join('\n')}\n`,
      );
      return argv.length === 1 ? 2 : 0;
    }
    const typed = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
    const guess =
      closest(
        typed.join(' '),
        COMMANDS.map((c) => c.name),
      ) ??
      closest(
        typed[0] ?? '',
        COMMANDS.map((c) => c.name),
      );
    const hint = guess === undefined ? '' : `Did you mean "mcpgate ${guess}"?\n`;
    err.write(`mcpgate: unknown command "${argv.join(' ')}"\n${hint}\n${topHelp()}`);
    return 2;
  }
  const { entry, rest } = found;
  const cmd = await entry.load();
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help === true) {
      out.write(formatHelp(cmd));
      return 0;
    }
    if (values.version === true) {
      out.write(`${VERSION}\n`);
      return 0;
    }
    return await cmd.run({
      values,
      positionals,
      stdout: out,
      stderr: err,
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`mcpgate ${cmd.name}: ${e.message}\n\n${formatHelp(cmd)}`);
      return 2;
    }
    throw e;
  }
}
