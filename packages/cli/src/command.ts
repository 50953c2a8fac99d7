import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** One `mcpgate <name>` subcommand. Commands own their flags; main only dispatches. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Lines printed by `mcpgate <name> --help` after the usage line. */
  readonly help: string;
  readonly options: OptionSpec;
  /** Whether positional arguments are accepted (e.g. `audit replay <session>`). */
  readonly positionals?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseCommandArgs(
  cmd: Command,
  argv: string[],
): { values: CommandContext['values']; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...cmd.options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function formatHelp(cmd: Command): string {
  const flags = Object.entries(cmd.options)
    .map(
      ([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}${o.short ? `, -${o.short}` : ''}`,
    )
    .join('\n');
  return `mcpgate ${cmd.name} — ${cmd.summary}\n\n${cmd.help}\n\nOptions:\n${flags}\n  --help, -h\n  --version\n`;
}

export function str(values: CommandContext['values'], key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function bool(values: CommandContext['values'], key: string): boolean {
  return values[key] === true;
}
