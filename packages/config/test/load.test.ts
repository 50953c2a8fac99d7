import { describe, expect, it } from 'vitest';
import { configHash } from '../src/hash.js';
import { DIR, loadErrors, loadOk, yaml } from './helpers.js';

describe('loadConfig — valid configs normalize', () => {
  it('a stdio upstream gets every default and an absolute cwd', async () => {
    const { config, warnings } = await loadOk(
      yaml(
        'upstreams:',
        '  everything:',
        '    command: npx',
        '    args: ["-y", "@modelcontextprotocol/server-everything"]',
        '    env: { LOG_LEVEL: debug }',
        '    cwd: ./work',
      ),
    );
    expect(warnings).toEqual([]);
    expect(config.upstreams).toEqual([
      {
        name: 'everything',
        prefix: 'everything',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-everything'],
        env: { LOG_LEVEL: 'debug' },
        cwd: `${DIR}/work`,
        headers: {},
        sharing: 'shared',
        era: 'auto',
        requestTimeoutMs: 60_000,
        startTimeoutMs: 30_000,
        restart: { maxRestarts: 5, initialDelayMs: 500, maxDelayMs: 30_000 },
        maxMessageBytes: 4 * 1024 * 1024,
        maxJsonDepth: 64,
      },
    ]);
    expect(config.naming).toEqual({ separator: '__', noPrefix: false });
    expect(config.limits).toEqual({ maxMessageBytes: 4194304, maxJsonDepth: 64 });
    expect(config.logging).toEqual({ level: 'info', format: 'auto' });
    expect(config.store).toEqual({ dir: `${DIR}/.mcpgate/data` });
    expect(config.audit).toMatchObject({ payloadCapBytes: 1048576, checkpointInterval: 60_000 });
    expect(config.baseDir).toBe(DIR);
    // Sections owned by other concerns: present and validated; their keys and defaults are theirs to test.
    for (const s of ['server', 'auth', 'policy', 'masking', 'approvals'] as const) {
      expect(typeof config[s]).toBe('object');
      expect(Object.isFrozen(config[s])).toBe(true);
    }
  });

  it('remote upstreams: streamable-http by default, sse when asked, headers kept, no stdio fields', async () => {
    const { config } = await loadOk(
      yaml(
        'upstreams:',
        '  docs:',
        '    url: http://127.0.0.1:3001/mcp',
        '    headers: { X-Team: platform }',
        '  legacy:',
        '    url: https://legacy.internal/sse',
        '    transport: sse',
        '    sharing: per-session',
        '    era: legacy',
        '    requestTimeout: 2m',
        '    startTimeout: 1500',
        '    restart: { maxRestarts: 0, initialDelay: 1s, maxDelay: 1h }',
      ),
    );
    const [docs, legacy] = config.upstreams;
    expect(docs).toMatchObject({
      name: 'docs',
      transport: 'streamable-http',
      url: 'http://127.0.0.1:3001/mcp',
      headers: { 'X-Team': 'platform' },
      args: [],
      env: {},
    });
    expect(docs).not.toHaveProperty('command');
    expect(docs).not.toHaveProperty('cwd');
    expect(legacy).toMatchObject({
      transport: 'sse',
      sharing: 'per-session',
      era: 'legacy',
      requestTimeoutMs: 120_000,
      startTimeoutMs: 1500,
      restart: { maxRestarts: 0, initialDelayMs: 1000, maxDelayMs: 3_600_000 },
    });
  });

  it('alias becomes the prefix; limits flow into every upstream; disabled upstreams are left out', async () => {
    const { config } = await loadOk(
      yaml(
        'upstreams:',
        '  filesystem:',
        '    command: npx',
        '    alias: fs',
        '  off:',
        '    command: nothing-here',
        '    disabled: true',
        'naming: { separator: "." }',
        'limits: { maxMessageBytes: 65536 }',
        'logging: { level: debug }',
        'store: { url: "postgres://gw@db:5432/mcpgate", dir: /var/lib/mcpgate }',
        'audit: { payloadCapBytes: 1000, retention: 400d, checkpointInterval: 30s }',
      ),
    );
    expect(config.upstreams.map((u) => [u.name, u.prefix, u.maxMessageBytes])).toEqual([
      ['filesystem', 'fs', 65536],
    ]);
    expect(config.naming).toEqual({ separator: '.', noPrefix: false });
    expect(config.logging.level).toBe('debug');
    expect(config.store).toEqual({ url: 'postgres://gw@db:5432/mcpgate', dir: '/var/lib/mcpgate' });
    expect(config.audit).toMatchObject({
      payloadCapBytes: 1000,
      retention: 400 * 86_400_000,
      checkpointInterval: 30_000,
    });
  });

  it('prefix: none with exactly one enabled upstream gives no-prefix naming', async () => {
    const { config } = await loadOk(
      yaml(
        'naming: { prefix: none }',
        'upstreams:',
        '  only: { command: npx }',
        '  spare: { url: "http://127.0.0.1:9/mcp", disabled: true }',
      ),
    );
    expect(config.naming).toEqual({ separator: '__', noPrefix: true });
  });

  it('an empty file is valid, with a warning that nothing will be served', async () => {
    const r = await loadOk('');
    expect(r.config.upstreams).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'no enabled upstreams: the gateway will serve nothing',
    ]);
  });

  it('accepts a top-level $schema key for editors', async () => {
    const r = await loadOk(yaml('$schema: ./packages/config/schema/mcpgate.schema.json', 'upstreams: {}'));
    expect(r.config).not.toHaveProperty('$schema');
  });

  it('output is deeply frozen', async () => {
    const { config } = await loadOk(
      yaml('upstreams:', '  a: { command: npx, args: [x], env: { K: v } }', 'audit: { retention: 1d }'),
    );
    const up = config.upstreams[0]!;
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.upstreams)).toBe(true);
    expect(Object.isFrozen(up.args)).toBe(true);
    expect(Object.isFrozen(up.env)).toBe(true);
    expect(Object.isFrozen(up.restart)).toBe(true);
    expect(Object.isFrozen(config.audit)).toBe(true);
    expect(() => {
      (up.args as string[]).push('y');
    }).toThrow(TypeError);
    expect(() => {
      (config.naming as { separator: string }).separator = '-';
    }).toThrow(TypeError);
  });

  it('configHash ignores formatting and key order but changes with any effective value', async () => {
    const a = await loadOk(
      yaml('upstreams:', '  a: { command: npx, args: [x] }', 'logging: { level: warn }'),
    );
    const b = await loadOk(
      yaml(
        '# same config, other layout',
        'logging:',
        '  level: warn',
        'upstreams:',
        '  a:',
        '    args: [x]',
        '    command: npx',
      ),
    );
    const c = await loadOk(
      yaml('upstreams:', '  a: { command: npx, args: [y] }', 'logging: { level: warn }'),
    );
    expect(configHash(a.config)).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash(a.config)).toBe(configHash(b.config));
    expect(configHash(a.config)).not.toBe(configHash(c.config));
  });
});

describe('loadConfig — YAML conveniences', () => {
  it('anchors and merge keys let upstreams share settings; errors still point at the right line', async () => {
    const text = yaml(
      'x-defaults: &defaults', //                  1 — extension field: ignored itself, but merged below
      '  requestTimeout: 5s', //                   2
      '  env: { T: "${env:UNSET}" }', //           3
      'upstreams:', //                             4
      '  a:', //                                   5
      '    <<: *defaults', //                      6
      '    command: npx', //                       7
      '  b:', //                                   8
      '    <<: *defaults', //                      9
      '    url: http://127.0.0.1:1/mcp', //        10
      '    era: newest', //                        11
      'defaults: {}', //                           12 — not an extension field
    );
    const errors = await loadErrors(text);
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message.slice(0, 30)}`)).toEqual([
      // Errors in merged values point at the anchored mapping, where the text to fix is.
      '3:3 upstreams.b.env: "env" applies only to stdio up',
      '3:10 upstreams.a.env.T: ${env:UNSET} cannot be resolve',
      '3:10 upstreams.b.env.T: ${env:UNSET} cannot be resolve',
      '11:5 upstreams.b.era: must be one of: "auto", "legac',
      '12:1 defaults: unknown key "defaults" (allowe',
    ]);
    const ok = await loadOk(
      yaml(
        'x-common: &common',
        '  requestTimeout: 5s',
        'upstreams:',
        '  a: &base',
        '    <<: *common',
        '    command: npx',
        '  b:',
        '    <<: *base',
        '    args: [other]',
      ),
    );
    expect(ok.config.upstreams.map((u) => [u.name, u.command, u.args, u.requestTimeoutMs])).toEqual([
      ['a', 'npx', [], 5000],
      ['b', 'npx', ['other'], 5000],
    ]);
    expect(ok.config).not.toHaveProperty('x-common');
  });
});
