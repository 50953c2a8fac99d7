import { describe, expect, it } from 'vitest';
import { DIR, load, loadErrors, loadOk, yaml } from './helpers.js';

const SECRET = 'tok_live_9f8e7d6c5b4a'; // planted: must never appear in any error or warning

describe('secret references', () => {
  it('resolves ${env:…} and ${file:…} inside any string, relative to the config directory, trimming one trailing newline', async () => {
    const { config } = await loadOk(
      yaml(
        'upstreams:',
        '  gh:',
        '    command: npx',
        '    env: { GITHUB_TOKEN: "${env:GH_TOKEN}", BOTH: "${env:GH_TOKEN}:${file:secrets/pw}" }',
        '  docs:',
        '    url: "https://${env:DOCS_HOST}/mcp"',
        '    headers: { Authorization: "Bearer ${file:secrets/docs.token}" }',
        'store: { url: "${env:DATABASE_URL}" }',
      ),
      {
        env: { GH_TOKEN: SECRET, DOCS_HOST: 'docs.internal', DATABASE_URL: 'postgres://gw:pw@db/mcpgate' },
        files: { [`${DIR}/secrets/pw`]: 'hunter2\n', [`${DIR}/secrets/docs.token`]: 'abc\r\n' },
      },
    );
    const [gh, docs] = config.upstreams;
    expect(gh!.env).toEqual({ GITHUB_TOKEN: SECRET, BOTH: `${SECRET}:hunter2` });
    expect(docs!.url).toBe('https://docs.internal/mcp');
    expect(docs!.headers).toEqual({ Authorization: 'Bearer abc' });
    expect(config.store.url).toBe('postgres://gw:pw@db/mcpgate');
  });

  it('keeps only one trailing newline off, and absolute file paths work', async () => {
    const { config } = await loadOk(
      yaml('upstreams:', '  a: { command: npx, env: { K: "${file:/run/keys/k}" } }'),
      {
        files: { '/run/keys/k': 'line1\nline2\n\n' },
      },
    );
    expect(config.upstreams[0]!.env.K).toBe('line1\nline2\n');
  });

  it('$${ is a literal ${, and text without references is untouched', async () => {
    const { config } = await loadOk(
      yaml('upstreams:', '  a: { command: sh, args: ["-c", "echo $${HOME} $$ ${env:X}", "$PATH"] }'),
      { env: { X: 'x' } },
    );
    expect(config.upstreams[0]!.args).toEqual(['-c', 'echo ${HOME} $$ x', '$PATH']);
  });

  it('every failed reference is an error at its path and line, naming the reference, never a value', async () => {
    const r = await load(
      yaml(
        'upstreams:', //                                                    1
        '  a:', //                                                          2
        '    command: npx', //                                              3
        '    env:', //                                                      4
        '      OK: "${env:GH_TOKEN}"', //                                   5
        '      MISSING: "${env:NOT_SET}"', //                               6
        '      FILE: "${file:secrets/absent.txt}"', //                      7
        '      BAD: "${vault:kv/x}"', //                                    8
        '      OPEN: "prefix ${env:GH_TOKEN"', //                           9
        '  b:', //                                                          10
        '    url: "http://127.0.0.1:1/mcp"', //                             11
        '    headers: { Authorization: "Bearer ${env:GH_TOKEN} ${env:ALSO_NOT_SET}" }', // 12
      ),
      { env: { GH_TOKEN: SECRET } },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line} ${e.path}: ${e.message}`)).toEqual([
      '6 upstreams.a.env.MISSING: ${env:NOT_SET} cannot be resolved: environment variable NOT_SET is not set',
      `7 upstreams.a.env.FILE: \${file:secrets/absent.txt} cannot be resolved: cannot read ${DIR}/secrets/absent.txt (ENOENT)`,
      '8 upstreams.a.env.BAD: malformed reference (expected ${env:NAME} or ${file:PATH}; write $${ for a literal "${")',
      '9 upstreams.a.env.OPEN: unterminated reference (expected ${env:NAME} or ${file:PATH}; write $${ for a literal "${")',
      '12 upstreams.b.headers.Authorization: ${env:ALSO_NOT_SET} cannot be resolved: environment variable ALSO_NOT_SET is not set',
    ]);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain('kv/x');
  });

  it('a secret value never leaks into errors, even when other checks fail on the same key', async () => {
    const r = await load(
      yaml(
        'upstreams:',
        '  a: { url: "${env:UP_URL}", headers: { Authorization: "Bearer ${file:tok}" } }',
        '  b: { command: npx, env: { T: "${file:tok}" } }',
        'store: { url: "${env:DB}" }',
      ),
      {
        env: { UP_URL: `file:///${SECRET}`, DB: `mysql://root:${SECRET}@db/x` },
        files: { [`${DIR}/tok`]: `${SECRET}\n` },
      },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual(['upstreams.a.url', 'store.url']);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(String(r.errors.map((e) => e.message))).not.toContain(SECRET);
  });

  it('references in a disabled upstream are not resolved (its secret may be absent)', async () => {
    const { config } = await loadOk(
      yaml(
        'upstreams:',
        '  on: { command: npx }',
        '  off: { command: npx, disabled: true, env: { T: "${env:NOT_SET}", F: "${file:nope}" } }',
      ),
    );
    expect(config.upstreams.map((u) => u.name)).toEqual(['on']);
  });

  it('an empty environment variable resolves, with a warning at its line', async () => {
    const r = await loadOk(yaml('upstreams:', '  a:', '    command: npx', '    env: { T: "${env:EMPTY}" }'), {
      env: { EMPTY: '' },
    });
    expect(r.config.upstreams[0]!.env.T).toBe('');
    expect(r.warnings).toEqual([
      { path: 'upstreams.a.env.T', line: 4, column: 12, message: '${env:EMPTY} is set but empty' },
    ]);
  });

  it('references are resolved only after schema validation: a reference cannot smuggle in a type', async () => {
    const errors = await loadErrors(yaml('limits: { maxMessageBytes: "${env:N}" }'), { env: { N: '1024' } });
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`)).toEqual([
      '1:11 limits.maxMessageBytes: must be an integer',
    ]);
  });
});
