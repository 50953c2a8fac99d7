/**
 * Output for people and for machines, shared by every command: tables that fit the terminal
 * (80 columns when it is not one, `--width N` to choose), and the one `--format` flag.
 */
import { UsageError, type CommandContext, type OptionSpec } from '../command.js';
import { displayWidth, truncate, wrapText } from './text.js';

export { displayWidth, truncate, wrapText };

export type OutputFormat = 'table' | 'json' | 'jsonl';

/** `--format` and `--width`, for commands that print records. */
export const OUTPUT_OPTIONS: OptionSpec = {
  format: { type: 'string', description: 'table (for people, the default), json or jsonl (for programs)' },
  width: { type: 'string', description: 'table width in columns (default: the terminal, else 80)' },
};

/** The column count to fit: `--width`, else the terminal's, else 80 (piped output). */
export function outputWidth(ctx: Pick<CommandContext, 'values' | 'stdout'>): number {
  const flag = ctx.values.width;
  if (typeof flag === 'string') {
    const n = Number(flag);
    if (!Number.isInteger(n) || n < 20)
      throw new UsageError(`--width takes a whole number ≥ 20, got "${flag}"`);
    return n;
  }
  const cols = (ctx.stdout as NodeJS.WriteStream).isTTY
    ? (ctx.stdout as NodeJS.WriteStream).columns
    : undefined;
  return typeof cols === 'number' && cols >= 20 ? cols : 80;
}

/**
 * The output format from `--format` (one of `allowed`), or from the deprecated `--json` (which
 * means `json` and prints a one-line notice on stderr). Default: the first allowed format.
 */
export function outputFormat<F extends string = OutputFormat>(
  ctx: Pick<CommandContext, 'values' | 'stderr'>,
  allowed: readonly F[] = ['table', 'json', 'jsonl'] as unknown as readonly F[],
): F {
  const given = ctx.values.format;
  if (ctx.values.json === true) {
    if (typeof given === 'string' && given !== 'json')
      throw new UsageError('--json means --format json; give one of them');
    ctx.stderr.write('note: --json is deprecated; use --format json\n');
    if (!allowed.includes('json' as F)) throw new UsageError(`--format takes ${allowed.join(', ')}`);
    return 'json' as F;
  }
  if (typeof given !== 'string') return allowed[0]!;
  if (!allowed.includes(given as F)) {
    throw new UsageError(`--format takes ${allowed.join(', ')}, got "${given}"`);
  }
  return given as F;
}

export interface Column {
  readonly header: string;
  /** What a too-long cell does: `truncate` (default) keeps rows on one line; `wrap` keeps every character. */
  readonly overflow?: 'truncate' | 'wrap';
  /** Narrowest this column may be made (default: its header, at most 12). */
  readonly min?: number;
  /** Right-align (numbers). */
  readonly align?: 'right';
}

const GAP = '  ';

/**
 * Column widths that fit `width`: natural widths first; while too wide, a column that can still
 * give up space loses one column at a time. Returns natural widths when even the
 * minimums do not fit (the terminal wraps then, but nothing is lost).
 */
function fitWidths(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width: number,
): number[] {
  const natural = columns.map((c, i) =>
    Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] ?? ''))),
  );
  const mins = columns.map((c, i) =>
    Math.min(natural[i]!, c.min ?? Math.min(12, Math.max(displayWidth(c.header), 4))),
  );
  const widths = [...natural];
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  // Wrapping columns give up space first (they lose nothing), then the widest truncating one.
  for (const wraps of [true, false]) {
    while (total() > width) {
      let pick = -1;
      for (let i = 0; i < widths.length; i++) {
        if ((columns[i]!.overflow === 'wrap') !== wraps) continue;
        if (widths[i]! > mins[i]! && (pick < 0 || widths[i]! > widths[pick]!)) pick = i;
      }
      if (pick < 0) break;
      widths[pick]!--;
    }
  }
  return widths;
}

/** A table fitting `width` columns: header, then rows; cells truncated or wrapped per column. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  width: number,
): string {
  const widths = fitWidths(columns, rows, width);
  const lines: string[] = [];
  const emit = (cells: readonly string[]): void => {
    const parts = cells.map((cell, i) => {
      const w = widths[i]!;
      if (displayWidth(cell) <= w) return [cell];
      return columns[i]!.overflow === 'wrap' ? wrapText(cell, w) : [truncate(cell, w)];
    });
    const height = Math.max(...parts.map((p) => p.length));
    for (let l = 0; l < height; l++) {
      const line = parts
        .map((p, i) => {
          const text = p[l] ?? '';
          const pad = ' '.repeat(Math.max(0, widths[i]! - displayWidth(text)));
          return columns[i]!.align === 'right' ? pad + text : text + pad;
        })
        .join(GAP);
      lines.push(line.trimEnd());
    }
  };
  emit(columns.map((c) => c.header));
  for (const r of rows) emit(r);
  return `${lines.join('\n')}\n`;
}

/** `--format` plus the deprecated `--json`, for commands that print results (not tables). */
export const FORMAT_OPTIONS: OptionSpec = {
  format: { type: 'string', description: 'table (for people, the default), json or jsonl (for programs)' },
  json: { type: 'boolean' },
};

/**
 * A machine-readable result: `json` as one indented document; `jsonl` as one compact JSON
 * object per line — each element of a list, or the one object.
 */
export function structuredText(format: 'json' | 'jsonl', value: unknown): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.map((v) => `${JSON.stringify(v)}\n`).join('');
}
