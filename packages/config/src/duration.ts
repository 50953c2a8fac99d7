const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Converts a config duration (`250ms`, `30s`, `2m`, `1h`, `7d`, or integer milliseconds) to
 * milliseconds. Returns undefined for anything else; the schema has already rejected such values
 * by the time the loader calls this.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] ?? Number.NaN);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
