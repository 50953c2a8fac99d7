import { GatewayError } from '@mcpgate/core';

/**
 * The one duration grammar of mcpgate: one or more `<integer><unit>` groups (`250ms`, `30s`, `2m`,
 * `1h`, `7d`, `2w`, `1y`, `1h30m`), or integer milliseconds. Config files are narrower still: their
 * schema (DURATION_PATTERN) admits a single group of ms–d, and the loader converts with this.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const WHOLE = /^(?:[0-9]+(?:ms|s|m|h|d|w|y))+$/;
const GROUP = /([0-9]+)(ms|s|m|h|d|w|y)/g;

/** Milliseconds, or undefined when the value is not a duration (or not a safe integer of ms). */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (!WHOLE.test(value)) return undefined;
  let ms = 0;
  for (const m of value.matchAll(GROUP)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * A positive duration typed by a person (`--duration`, `--expires`, the grants API's `duration`):
 * surrounding spaces are ignored; anything else is an invalid_params error saying what is expected.
 */
export function requireDuration(text: string): number {
  const ms = parseDuration(text.trim());
  if (ms === undefined || ms <= 0)
    throw new GatewayError(
      'invalid_params',
      `invalid duration ${JSON.stringify(text)}: use a positive number with a unit (ms, s, m, h, d, w, y), e.g. 90s, 30m, 4h, 90d or 1h30m`,
    );
  return ms;
}

/** `5400000` → `1h30m`: for messages and CLI output. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 && parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('');
}
