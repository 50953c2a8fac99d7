/**
 * Time windows: days of the week and an hour range in an IANA time zone. The zone is resolved
 * once at load (an unknown zone is a config error), so evaluation only formats one date.
 */
export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];

export interface TimeWindowConfig {
  /** Days the window is open; all days when absent. */
  readonly days?: readonly Day[];
  /** `HH:MM-HH:MM`, end exclusive; may wrap midnight (`22:00-06:00`). All day when absent. */
  readonly hours?: string;
  /** IANA zone, e.g. `Europe/Berlin`. UTC when absent. */
  readonly timezone?: string;
}

export interface TimeWindow {
  contains(at: Date): boolean;
}

const WEEKDAY: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function parseClock(text: string, what: string): number {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) throw new Error(`invalid ${what} time "${text}" (use HH:MM)`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > 24 * 60) throw new Error(`invalid ${what} time "${text}"`);
  return minutes;
}

/** Throws a plain Error with a precise message; the rule compiler adds the rule path. */
export function compileTimeWindow(config: TimeWindowConfig): TimeWindow {
  const zone = config.timezone ?? 'UTC';
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new Error(`unknown time zone "${zone}"`);
  }
  const days = config.days ? new Set(config.days.map((d) => DAYS.indexOf(d))) : undefined;
  let from = 0;
  let to = 24 * 60;
  if (config.hours !== undefined) {
    const parts = config.hours.split('-');
    if (parts.length !== 2) throw new Error(`invalid hours "${config.hours}" (use HH:MM-HH:MM)`);
    from = parseClock(parts[0]!.trim(), 'start');
    to = parseClock(parts[1]!.trim(), 'end');
    if (from === to) throw new Error(`empty hours range "${config.hours}"`);
  }
  return {
    contains(at) {
      let weekday = 0;
      let hour = 0;
      let minute = 0;
      for (const p of fmt.formatToParts(at)) {
        if (p.type === 'weekday') weekday = WEEKDAY[p.value] ?? 0;
        else if (p.type === 'hour') hour = Number(p.value);
        else if (p.type === 'minute') minute = Number(p.value);
      }
      const now = hour * 60 + minute;
      if (from < to) {
        if (days && !days.has(weekday)) return false;
        return now >= from && now < to;
      }
      // Wrapping range: the part after midnight belongs to the previous day's window.
      if (now >= from) return !days || days.has(weekday);
      if (now < to) return !days || days.has((weekday + 6) % 7);
      return false;
    },
  };
}
