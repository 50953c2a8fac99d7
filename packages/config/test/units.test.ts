import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, requireDuration } from '../src/duration.js';
import { formatIssue } from '../src/format.js';
import { formatPath } from '../src/path.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['400d', 400 * 86_400_000],
    ['0s', 0],
    ['2w', 2 * 604_800_000],
    ['1y', 31_536_000_000],
    ['1h30m', 5_400_000],
    ['1d12h', 36 * 3_600_000],
    [1500, 1500],
    [0, 0],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['1.5s'],
    ['30'],
    ['s'],
    ['-1s'],
    [' 1s'],
    ['1 s'],
    ['1h 30m'],
    ['1x'],
    [-1],
    [1.5],
    ['99999999999999999d'],
  ] as const)('rejects %s', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('requireDuration (durations typed by a person: CLI options, the grants API)', () => {
  it('accepts a positive duration, ignoring surrounding spaces', () => {
    expect(requireDuration('90d')).toBe(90 * 86_400_000);
    expect(requireDuration(' 12h ')).toBe(12 * 3_600_000);
    expect(requireDuration('1h30m')).toBe(5_400_000);
  });
  it.each(['soon', '0d', '0s', '', '-1h', '1.5h'])(
    'refuses %j with invalid_params and the grammar',
    (text) => {
      expect(() => requireDuration(text)).toThrow(
        `invalid duration ${JSON.stringify(text)}: use a positive number with a unit (ms, s, m, h, d, w, y), e.g. 90s, 30m, 4h, 90d or 1h30m`,
      );
      try {
        requireDuration(text);
      } catch (err) {
        expect((err as { code?: string }).code).toBe('invalid_params');
      }
    },
  );
  it('formats back to the largest units', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('formatPath / formatIssue', () => {
  it('dots plain keys, brackets indices and odd keys', () => {
    expect(formatPath(['upstreams', 'docs', 'args', 0])).toBe('upstreams.docs.args[0]');
    expect(formatPath(['upstreams', 'a', 'headers', 'X.Api Key'])).toBe('upstreams.a.headers["X.Api Key"]');
    expect(formatPath([])).toBe('');
  });

  it('prints file:line:col path: message, or just the file when there is no position', () => {
    expect(formatIssue('gw.yaml', { path: 'logging.level', line: 3, column: 10, message: 'bad' })).toBe(
      'gw.yaml:3:10 logging.level: bad',
    );
    expect(formatIssue('gw.yaml', { path: '', line: 1, column: 1, message: 'must be a mapping' })).toBe(
      'gw.yaml:1:1: must be a mapping',
    );
    expect(formatIssue('gw.yaml', { path: '', message: 'cannot read' })).toBe('gw.yaml: cannot read');
  });
});
