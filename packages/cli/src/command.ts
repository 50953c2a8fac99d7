import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeOption } from './options.js';
import { fitHelp } from './runtime/help-text.js';
import { wrapText } from './runtime/text.js';

/** A flag as node:util parseArgs takes it, plus the sentence `--help` prints for it. */
type ParseArgsOption = NonNullable<ParseArgsConfig['options']>[string];
export type OptionConfig = ParseArgsOption & { readonly description?: string };
export type OptionSpec = Record<string, OptionConfig>;

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
      options: {
        ...Object.fromEntries(
          Object.entries(cmd.options).map(([name, { description: _, ...o }]) => [name, o]),
        ),
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * `--help` text: the command's own paragraphs, then every option with its description, the
 * descriptions wrapped so that the option list fits `width` columns.
 */
export function formatHelp(cmd: Command, width = 80): string {
  const all: [string, OptionConfig][] = [
    ...Object.entries(cmd.options),
    ['help', { type: 'boolean', short: 'h', description: 'show this help' }],
    ['version', { type: 'boolean', description: "print mcpgate's version" }],
  ];
  const labels = all.map(
    ([name, o]) => `--${name}${o.type === 'string' ? ' <value>' : ''}${o.short ? `, -${o.short}` : ''}`,
  );
  // Long labels get their description on the next lines rather than pushing every column right.
  const col = Math.min(Math.max(...labels.map((l) => l.length)), 26);
  const indent = ' '.repeat(col + 4);
  const flags = all.map(([name, o], i) => {
    const label = labels[i]!;
    const lines = wrapText(describeOption(cmd.name, name, o), width - col - 4);
    if (label.length > col) return [`  ${label}`, ...lines.map((l) => indent + l)].join('\n');
    const [first = '', ...rest] = lines;
    return [`  ${label.padEnd(col)}  ${first}`.trimEnd(), ...rest.map((l) => indent + l)].join('\n');
  });
  const title = fitHelp(`mcpgate ${cmd.name} — ${cmd.summary}`, width);
  return `${title}\n\n${fitHelp(cmd.help, width)}\n\nOptions:\n${flags.join('\n')}\n`;
}

export function str(values: CommandContext['values'], key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function bool(values: CommandContext['values'], key: string): boolean {
  return values[key] === true;
}
