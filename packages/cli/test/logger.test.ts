import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logStyle } from '../src/runtime/logger.js';
import { parseStrictJsonLine } from './strict-json.js';
import { REPO } from './support.js';

const LOGGER = pathToFileURL(join(REPO, 'packages/cli/dist/runtime/logger.js')).href;

/** Runs the built logger in a child (it writes to fd 2) and returns what it wrote. */
function logged(format: string, env: Record<string, string> = {}): string {
  const script = `
    const { createLogger } = await import(${JSON.stringify(LOGGER)});
    const log = createLogger('debug', ${JSON.stringify(format)});
    // The shape that printed "upstream" three times: nested children re-binding one key.
    const up = log.child({ component: 'upstream', upstream: 'ev' }).child({ upstream: 'ev' });
    up.info({ upstream: 'ev', stderr: 'hello' }, 'upstream stderr');
    up.debug({}, 'a debug line');
    log.flush();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

describe('gateway logs', () => {
  it('JSON lines when piped: each key once, ISO-8601 times', () => {
    const lines = logged('auto').trim().split('\n');
    expect(lines).toHaveLength(2);
    const first = parseStrictJsonLine(lines[0]!);
    expect(first).toMatchObject({
      level: 30,
      component: 'upstream',
      upstream: 'ev',
      stderr: 'hello',
      msg: 'upstream stderr',
    });
    expect(first.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(() => parseStrictJsonLine('{"a":1,"a":1}')).toThrow('duplicate key "a"');
  });

  it('readable lines with format pretty, and no colour codes when not on a terminal', () => {
    const text = logged('pretty');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \(upstream\) upstream stderr .*"stderr":"hello"/m);
    expect(text).toContain('DEBUG: (upstream) a debug line');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('auto means readable on a terminal, JSON otherwise; colour only on a terminal without NO_COLOR', () => {
    expect(logStyle('auto', { isTTY: true }, {})).toEqual({ pretty: true, colour: true });
    expect(logStyle('auto', { isTTY: false }, {})).toEqual({ pretty: false, colour: false });
    expect(logStyle('pretty', { isTTY: false }, {})).toEqual({ pretty: true, colour: false });
    expect(logStyle('auto', { isTTY: true }, { NO_COLOR: '1' })).toEqual({ pretty: true, colour: false });
    expect(logStyle('json', { isTTY: true }, {})).toEqual({ pretty: false, colour: false });
  });
});
