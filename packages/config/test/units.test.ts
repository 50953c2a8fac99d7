import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/duration.js';
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
    [1500, 1500],
    [0, 0],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([['1.5s'], ['30'], ['s'], ['-1s'], [' 1s'], ['1w'], [-1], [1.5], ['99999999999999999d']] as const)(
    'rejects %s',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );
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
