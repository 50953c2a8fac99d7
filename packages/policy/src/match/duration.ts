import { GatewayError } from '@mcpgate/core';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** CLI durations (`--duration 1h30m`). Parses `30m`, `1h30m`, `250ms` into milliseconds. Throws invalid_params on anything else. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h|d))+$/.test(trimmed)) {
    throw new GatewayError(
      'invalid_params',
      `invalid duration "${text}": use a number with a unit, e.g. 90s, 30m, 4h, 1d or 1h30m`,
    );
  }
  let total = 0;
  for (const m of trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  if (!Number.isSafeInteger(total) || total <= 0) {
    throw new GatewayError('invalid_params', `invalid duration "${text}": must be positive`);
  }
  return total;
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
