import { describe, expect, it } from 'vitest';
import { load, loadErrors, yaml } from './helpers.js';

/** Issues as `line:col path: message` strings — compact, and exactly what `mcpgate validate` prints after the file name. */
function lines(
  errors: readonly { path: string; line?: number; column?: number; message: string }[],
): string[] {
  return errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
}

describe('loadConfig — every error names its YAML path and line', () => {
  it('YAML syntax errors carry their position and stop further checks', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //           1
        '  a:', //                 2
        '    command: npx', //     3
        '   args: [x]', //         4
        'logging: { level: 3 }', // 5 — a schema error, not reported while the file does not parse
      ),
    );
    expect(lines(errors)).toEqual([
      '4:1 upstreams.a.command: All mapping items must start at the same column',
    ]);
  });

  it('duplicate keys are reported at the second occurrence, along with schema errors elsewhere', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //        1
        '  a:', //              2
        '    command: npx', //  3
        '    command: uvx', //  4
        'logging:', //          5
        '  level: loud', //     6
      ),
    );
    expect(lines(errors)).toEqual([
      '4:5 upstreams.a.command: duplicate key: already defined in this mapping',
      '6:3 logging.level: must be one of: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
    ]);
  });

  it('unknown keys at every depth, each with the allowed keys', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //                1
        '  a:', //                      2
        '    command: npx', //          3
        '    comand: npx', //           4
        '    restart:', //              5
        '      maxRetries: 3', //       6
        'limits:', //                   7
        '  maxBytes: 1', //             8
        'colour: blue', //              9
      ),
    );
    expect(lines(errors)).toEqual([
      expect.stringMatching(
        /^4:5 upstreams\.a\.comand: unknown key "comand" \(did you mean "command"\? allowed keys: command, args, .*\)$/,
      ),
      '6:7 upstreams.a.restart.maxRetries: unknown key "maxRetries" (allowed keys: maxRestarts, initialDelay, maxDelay)',
      '8:3 limits.maxBytes: unknown key "maxBytes" (allowed keys: maxMessageBytes, maxJsonDepth)',
      expect.stringMatching(
        /^9:1 colour: unknown key "colour" \(allowed keys: \$schema, upstreams, naming, /,
      ),
    ]);
  });

  it('command and url together, neither, and kind-specific keys on the wrong kind', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //                              1
        '  both:', //                                 2
        '    command: npx', //                        3
        '    url: http://127.0.0.1:3001/mcp', //      4
        '  none:', //                                 5
        '    sharing: shared', //                     6
        '  stdio:', //                                7
        '    command: npx', //                        8
        '    transport: sse', //                      9
        '    headers: { A: b }', //                   10
        '  remote:', //                               11
        '    url: http://127.0.0.1:3001/mcp', //      12
        '    args: [x]', //                           13
        '    cwd: ./x', //                            14
      ),
    );
    expect(lines(errors)).toEqual([
      '4:5 upstreams.both.url: an upstream has either "command" (stdio) or "url" (remote), not both',
      '5:3 upstreams.none: missing "command" (stdio upstream) or "url" (remote upstream)',
      '9:5 upstreams.stdio.transport: "transport" applies only to remote upstreams (with "url")',
      '10:5 upstreams.stdio.headers: "headers" applies only to remote upstreams (with "url")',
      '13:5 upstreams.remote.args: "args" applies only to stdio upstreams (with "command")',
      '14:5 upstreams.remote.cwd: "cwd" applies only to stdio upstreams (with "command")',
    ]);
  });

  it('upstream oauth: one authorization server, one client credential, remote upstreams only', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //                                                         1
        '  neither:', //                                                         2
        '    url: http://127.0.0.1:3001/mcp', //                                 3
        '    oauth: { grant: client_credentials, clientId: gw }', //             4
        '  both:', //                                                            5
        '    url: http://127.0.0.1:3002/mcp', //                                 6
        '    oauth:', //                                                         7
        '      grant: client_credentials', //                                    8
        '      issuer: https://idp.example', //                                  9
        '      tokenEndpoint: https://idp.example/token', //                     10
        '      clientId: gw', //                                                 11
        '      clientSecret: s', //                                              12
        '      privateKey: k', //                                                13
        '  local:', //                                                           14
        '    command: npx', //                                                   15
        '    oauth: { grant: client_credentials, clientId: gw, issuer: https://i, clientSecret: s }', // 16
      ),
    );
    expect(lines(errors)).toEqual([
      '4:5 upstreams.neither.oauth: give the authorization server: "issuer" (discovered) or "tokenEndpoint", exactly one',
      '4:5 upstreams.neither.oauth: give the client\'s credential: "clientSecret" or "privateKey" (private_key_jwt)',
      '7:5 upstreams.both.oauth: give the authorization server: "issuer" (discovered) or "tokenEndpoint", exactly one',
      '7:5 upstreams.both.oauth: give one client credential: "clientSecret" or "privateKey", not both',
      '16:5 upstreams.local.oauth: "oauth" applies only to remote upstreams (with "url")',
    ]);
  });

  it('per-user and token-exchange oauth: what each grant needs, and nothing of the others', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //                                                                1
        '  peruser:', //                                                                2
        '    url: http://127.0.0.1:3001/mcp', //                                        3
        '    oauth: { grant: authorization_code, clientSecret: s, privateKey: k }', //  4
        '  exchange:', //                                                               5
        '    url: http://127.0.0.1:3002/mcp', //                                        6
        '    oauth: { grant: token_exchange, clientId: gw, issuer: https://i }', //     7
        '  service:', //                                                                8
        '    url: http://127.0.0.1:3003/mcp', //                                        9
        '    oauth: { grant: client_credentials, clientId: gw, issuer: https://i, clientSecret: s, audience: x, idleTimeout: 5m }', // 10
      ),
    );
    expect(lines(errors)).toEqual([
      '4:5 upstreams.peruser.oauth: grant "authorization_code" keeps users\' tokens encrypted: configure auth.upstreamTokens.keyFile',
      '4:5 upstreams.peruser.oauth: grant "authorization_code" hands each person a link that only they may open: enable the console with OIDC sign-in (console.enabled: true, console.oidc, and auth.oidc) so the gateway can check who opens it, or set auth.upstreamTokens.binding: none (a gateway with a single user: anyone holding a link connects their own account)',
      '4:41 upstreams.peruser.oauth.clientSecret: "clientSecret" needs the "clientId" it belongs to',
      '4:58 upstreams.peruser.oauth.privateKey: "privateKey" applies only to grant "client_credentials"',
      '7:5 upstreams.exchange.oauth: grant "token_exchange" authenticates the exchange with "clientSecret" (not "privateKey")',
      '10:91 upstreams.service.oauth.audience: "audience" applies only to grant "token_exchange"',
      '10:104 upstreams.service.oauth.idleTimeout: "idleTimeout" applies to per-user grants ("authorization_code", "token_exchange"): a "client_credentials" upstream has one shared connection',
    ]);
    const ok = await load(
      yaml(
        'auth:',
        '  mode: oauth',
        '  resource: https://mcp.example.com/mcp',
        '  oidc: { issuer: https://sso.example.com }',
        '  upstreamTokens: { keyFile: keys/upstream.key }',
        'console: { enabled: true, oidc: { clientId: mcpgate-console } }',
        'upstreams:',
        '  peruser:',
        '    url: https://issues.example.net/mcp',
        '    oauth: { grant: authorization_code }',
        '  quick:',
        '    url: https://quick.example.net/mcp',
        '    oauth: { grant: authorization_code, idleTimeout: 2m }',
      ),
    );
    expect(ok.ok ? ok.config.upstreams.map((u) => u.oauth) : ok.errors).toEqual([
      {
        grant: 'authorization_code',
        scopes: [],
        resource: 'https://issues.example.net/mcp',
        // A user's idle connection closes after 15 minutes unless idleTimeout says otherwise.
        idleTimeoutMs: 900_000,
      },
      {
        grant: 'authorization_code',
        scopes: [],
        resource: 'https://quick.example.net/mcp',
        idleTimeoutMs: 120_000,
      },
    ]);
    expect(ok.ok && ok.config.auth.upstreamTokens?.keyFile).toBe('/srv/gw/keys/upstream.key');
    expect(ok.ok && ok.config.auth.upstreamTokens?.binding).toBe('console');
    // Without console sign-in, only the explicit opt-out is accepted.
    const optOut = await load(
      yaml(
        'auth:',
        '  mode: local',
        '  upstreamTokens: { keyFile: keys/upstream.key, publicUrl: http://127.0.0.1:8080, binding: none }',
        'upstreams:',
        '  peruser:',
        '    url: https://issues.example.net/mcp',
        '    oauth: { grant: authorization_code }',
      ),
    );
    expect(optOut.ok ? optOut.config.auth.upstreamTokens?.binding : optOut.errors).toBe('none');
  });

  it('bad names, enums, types, durations and patterns', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:', //                           1
        '  Docs_Server:', //                       2
        '    url: http://127.0.0.1:3001/mcp', //   3
        '  a:', //                                 4
        '    url: http://127.0.0.1:3002/mcp', //   5
        '    transport: websocket', //             6
        '    requestTimeout: soon', //             7
        '    alias: A!', //                        8
        '    restart: { maxRestarts: -1 }', //     9
        '  b:', //                                 10
        '    command: npx', //                     11
        '    args: npx', //                        12
        '    env: { 1BAD: x }', //                 13
        'limits: { maxMessageBytes: "4MiB" }', //  14
        'store: { url: "mysql://db/x" }', //       15
      ),
    );
    expect(lines(errors)).toEqual([
      '2:3 upstreams.Docs_Server: invalid key "Docs_Server": must match ^[a-z0-9-]+$',
      '6:5 upstreams.a.transport: must be one of: "streamable-http", "sse"',
      '7:5 upstreams.a.requestTimeout: must be a duration like 250ms, 30s, 2m, 1h, 7d, or a whole number of milliseconds',
      '8:5 upstreams.a.alias: must match ^[a-z0-9-]+$',
      '9:16 upstreams.a.restart.maxRestarts: must be >= 0',
      '12:5 upstreams.b.args: must be a list',
      '13:12 upstreams.b.env.1BAD: invalid key "1BAD": must match ^[A-Za-z_][A-Za-z0-9_]*$',
      '14:11 limits.maxMessageBytes: must be an integer',
      '15:10 store.url: must match ^(postgres|postgresql)://|^\\$\\{',
    ]);
  });

  it('no-prefix mode with several upstreams, ambiguous separator, alias collisions', async () => {
    const errors = await loadErrors(
      yaml(
        'naming:', //                              1
        '  prefix: none', //                       2
        '  separator: "-"', //                     3
        'upstreams:', //                           4
        '  files: { command: npx }', //            5
        '  fs: { command: npx }', //               6
        '  other: { command: npx, alias: fs }', // 7
        '  files2: { command: npx, alias: files }', // 8
      ),
    );
    expect(lines(errors)).toEqual([
      '2:3 naming.prefix: "none" requires exactly one enabled upstream (found 4)',
      expect.stringMatching(
        /^3:3 naming\.separator: must contain a character that cannot appear in an upstream name/,
      ),
      '7:26 upstreams.other.alias: namespace prefix "fs" is already used by upstream "fs"; set a distinct "alias"',
      '8:27 upstreams.files2.alias: namespace prefix "files" is already used by upstream "files"; set a distinct "alias"',
    ]);
  });

  it('an upstream name colliding with an earlier alias is reported at the name', async () => {
    const errors = await loadErrors(
      yaml(
        'upstreams:',
        '  filesystem: { command: npx, alias: fs }',
        '  fs: { url: "http://127.0.0.1:1/mcp" }',
      ),
    );
    expect(lines(errors)).toEqual([
      '3:3 upstreams.fs: namespace prefix "fs" is already used by upstream "filesystem"; set a distinct "alias"',
    ]);
  });

  it('a resolved URL that is not http(s) is reported at its key without quoting it', async () => {
    const errors = await loadErrors(yaml('upstreams:', '  a:', '    url: ${env:A_URL}'), {
      env: { A_URL: 'ftp://files.internal/secret-token-123' },
    });
    expect(lines(errors)).toEqual(['3:5 upstreams.a.url: must be an absolute http:// or https:// URL']);
    expect(JSON.stringify(errors)).not.toContain('secret-token-123');
  });

  it('the top level must be a mapping', async () => {
    const errors = await loadErrors(yaml('- a', '- b'));
    expect(lines(errors)).toEqual(['1:1 : must be a mapping']);
  });

  it('collects all errors of a file, sorted by position', async () => {
    const errors = await loadErrors(
      yaml(
        'logging: { level: 3 }', //                 1
        'upstreams:', //                            2
        '  a: { command: npx, url: "x" }', //       3
        '  b: { command: npx, env: { T: "${env:MISSING}" } }', // 4
        'extra: true', //                           5
      ),
    );
    expect(errors.map((e) => [e.line, e.path])).toEqual([
      [1, 'logging.level'],
      [3, 'upstreams.a.url'],
      [4, 'upstreams.b.env.T'],
      [5, 'extra'],
    ]);
  });
});
