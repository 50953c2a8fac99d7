import { describe, expect, it } from 'vitest';
import { compileTimeWindow } from '../src/match/time-window.js';

describe('time windows', () => {
  it('days and hours in a zone (Berlin is UTC+1 in November)', () => {
    const w = compileTimeWindow({
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      hours: '09:00-18:00',
      timezone: 'Europe/Berlin',
    });
    expect(w.contains(new Date('2026-11-24T07:59:00Z'))).toBe(false); // 08:59 Tue
    expect(w.contains(new Date('2026-11-24T08:00:00Z'))).toBe(true); // 09:00 Tue
    expect(w.contains(new Date('2026-11-24T16:59:00Z'))).toBe(true); // 17:59
    expect(w.contains(new Date('2026-11-24T17:00:00Z'))).toBe(false); // 18:00, end exclusive
    expect(w.contains(new Date('2026-11-28T10:00:00Z'))).toBe(false); // Saturday
  });
  it('wrapping ranges belong to the day they start on', () => {
    const w = compileTimeWindow({ days: ['fri'], hours: '22:00-06:00' });
    expect(w.contains(new Date('2026-11-27T23:00:00Z'))).toBe(true); // Fri 23:00
    expect(w.contains(new Date('2026-11-28T05:00:00Z'))).toBe(true); // Sat 05:00, Friday's night
    expect(w.contains(new Date('2026-11-28T23:00:00Z'))).toBe(false); // Sat 23:00
    expect(w.contains(new Date('2026-11-27T05:00:00Z'))).toBe(false); // Fri 05:00 is Thursday's night
  });
  it('rejects bad zones and clocks', () => {
    expect(() => compileTimeWindow({ timezone: 'Nowhere/City' })).toThrow(/unknown time zone/);
    expect(() => compileTimeWindow({ hours: '25:00-26:00' })).toThrow(/invalid start time/);
    expect(() => compileTimeWindow({ hours: '10:00-10:00' })).toThrow(/empty/);
  });
});
