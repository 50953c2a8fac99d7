import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, writeConfig } from './support.js';

/** `tracing` errors are caught at load, with the file's line and a message that says what to do. */
function validate(tracing: string, env: Record<string, string> = {}) {
  const path = writeConfig(`upstreams: {}\ntracing:\n${tracing}`);
  const r = spawnSync(process.execPath, [CLI, 'validate', '--config', path], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('tracing config checks (mcpgate validate)', () => {
  it('accepts a collector with its key in a reference, and off by default needs nothing', () => {
    const r = validate(
      '  enabled: true\n  endpoint: https://otel.example/v1/traces\n  headers: { authorization: "Bearer ${env:OTLP_TOKEN}" }\n  sampleRatio: 0.25\n',
      { OTLP_TOKEN: 'tok-PLANTED-123' },
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain('tok-PLANTED-123');
    expect(validate('  enabled: false\n').code).toBe(0);
  });

  it.each([
    [
      '  endpoint: ftp://collector/v1/traces\n',
      'tracing.endpoint: must be an http:// or https:// URL, not ftp:',
    ],
    ['  endpoint: not a url\n', 'tracing.endpoint: must be an http:// or https:// URL'],
    ['  endpoint: http://user:pw@collector/v1/traces\n', 'tracing.endpoint: must not carry credentials'],
    ['  sampleRatio: 1.5\n', 'tracing.sampleRatio: must be <= 1'],
    ['  servicename: gw\n', 'did you mean "serviceName"'],
    ['  headers: { "bad header": x }\n', 'tracing.headers'],
  ])('refuses %j', (yaml, message) => {
    const r = validate(yaml);
    expect(r.code).toBe(1);
    expect(r.out).toContain(message);
    expect(r.out).toMatch(/mcpgate\.yaml:\d+:\d+ tracing\./);
  });

  it('warns when a collector key would cross the network in clear text', () => {
    const r = validate(
      '  enabled: true\n  endpoint: http://collector.example:4318/v1/traces\n  headers: { x-key: "${env:K}" }\n',
      { K: 'k' },
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('tracing.headers: warning: go to collector.example:4318 in clear text');
  });
});
