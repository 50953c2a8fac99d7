import { describe, expect, it } from 'vitest';
import { normalizePath, pathWithin } from '../src/detect/path.js';

const roots = ['/srv/data', '/home/alice/projects/'];

describe('path normalization', () => {
  const norm: [string, string | undefined][] = [
    ['/srv/data/a.txt', '/srv/data/a.txt'],
    ['/srv//data///a.txt', '/srv/data/a.txt'],
    ['/srv/./data/./a.txt', '/srv/data/a.txt'],
    ['/srv/data/../../etc/passwd', '/etc/passwd'],
    ['/../../etc', '/etc'],
    ['\\srv\\data\\..\\..\\etc', '/etc'],
    ['/srv/data/%2e%2e/%2e%2e/etc/passwd', '/etc/passwd'],
    ['/srv/data/%252e%252e/%252e%252e/etc', '/etc'],
    ['/srv/data/..%2f..%2fetc', '/etc'],
    ['/srv/data/..%5c..%5cetc', '/etc'],
    ['file:///srv/data/x', '/srv/data/x'],
    ['file://localhost/srv/data/x', '/srv/data/x'],
    ['file://evil.example/srv/data/x', undefined],
    ['relative/path', undefined],
    ['./a', undefined],
    ['~/secrets', undefined],
    ['', undefined],
    ['/srv/data/a\0.txt', undefined],
    ['/srv/data/a%00.txt', undefined],
    ['/srv/data/%E0%A4%A', undefined],
    ['/srv/data/%25252525252e', undefined],
  ];
  for (const [raw, want] of norm) {
    it(`${JSON.stringify(raw)} → ${String(want)}`, () => expect(normalizePath(raw)).toBe(want));
  }
});

describe('pathWithin', () => {
  const cases: [string, boolean][] = [
    ['/srv/data', true],
    ['/srv/data/reports/q3.csv', true],
    ['/home/alice/projects/app/src/index.ts', true],
    ['/srv/data2/x', false],
    ['/srv/dat', false],
    ['/srv/data/../data2/x', false],
    ['/srv/data/../../etc/shadow', false],
    ['/srv/data/%2e%2e/secret', false],
    ['/srv/data/%252e%252e/secret', false],
    ['\\srv\\data\\..\\..\\etc\\passwd', false],
    ['/srv/data/subdir/../ok.txt', true],
    ['/proc/self/root/srv/data/x', false],
    ['data/x', false],
    ['/srv/data/x%zz', false],
  ];
  for (const [raw, want] of cases) {
    it(`${raw} ${want ? 'is' : 'is not'} within`, () =>
      expect(
        pathWithin(
          raw,
          roots.map((r) => normalizePath(r)!),
        ),
      ).toBe(want));
  }
});
