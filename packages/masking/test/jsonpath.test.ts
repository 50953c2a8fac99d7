import { describe, expect, it } from 'vitest';
import { formatLocation, parseJsonPath, pathMatches } from '../src/jsonpath.js';

describe('JSON path field rules', () => {
  const cases: [string, (string | number)[], boolean][] = [
    ['$.users[*].email', ['users', 3, 'email'], true],
    ['$.users[*].email', ['users', 3, 'name'], false],
    ['$.users[*].email', ['email'], false],
    ['$..password', ['a', 'b', 0, 'password'], true],
    ['$..password', ['password'], true],
    ['$..password', ['password', 'x'], false],
    ['$.a.b[0]', ['a', 'b', 0], true],
    ['$.a.b[0]', ['a', 'b', 1], false],
    ["$['weird key'].x", ['weird key', 'x'], true],
    ['$.a.*', ['a', 'z'], true],
    ['$..items[*].token', ['data', 'items', 2, 'token'], true],
  ];
  it.each(cases)('%s vs %j → %s', (path, loc, expected) => {
    expect(pathMatches(parseJsonPath(path), loc)).toBe(expected);
  });

  it.each(['users', '$.a[', '$.a[?(@.x)]', '$..', '$.'])('rejects %j', (path) => {
    expect(() => parseJsonPath(path)).toThrow(/invalid JSON path/);
  });

  it('formats locations as event paths', () => {
    expect(formatLocation(['users', 2, 'email'], '')).toBe('users[2].email');
    expect(formatLocation(['a b'], 'x')).toBe('x["a b"]');
  });
});
