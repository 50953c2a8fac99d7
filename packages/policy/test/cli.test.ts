import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite } from '@mcpgate/audit';
import { MemoryAuditSink } from '../src/audit-sink.js';
import { GrantService } from '../src/grants/service.js';
import { SqlGrantStore } from '../src/grants/sql-store.js';
import { ToolPinning } from '../src/pinning/guard.js';
import { SqlPinStore } from '../src/pinning/sql-store.js';
import { engineOf, identity } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', '..', 'cli', 'bin', 'mcpgate.js');
const TEMPLATES = join(here, '..', 'templates');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process, as an operator would. */
function mcpgate(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: cwd } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const me = userInfo().username;
const policyYaml = `
  default: deny
  localGroups:
    ${JSON.stringify(me)}: [sre]
  pinning:
    upstreams: { m: block }
  rules:
    - name: contractors-no-writes
      match: { groups: [contractors], tools: ['write_*'] }
      action: deny
      message: contractors may only read
    - name: reads
      match: { upstreams: [fs], tools: ['read_*', 'write_*'] }
      action: allow
    - name: prod
      match: { upstreams: [prod] }
      action: require_grant
      grant: { maxDuration: 1h, reviewers: [sre] }
`;

describe('mcpgate policy test / policy explain (built CLI, child processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-policy-cli-'));

  it('every template passes its own table', async () => {
    for (const f of readdirSync(TEMPLATES)) {
      const r = await mcpgate(['policy', 'test', join(TEMPLATES, f)], dir);
      expect(r.code, `${f}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    }
  });

  it('exits 1 and names the failing case on a mismatch', async () => {
    const file = join(dir, 'expect.yaml');
    writeFileSync(
      file,
      `policy:${policyYaml}\ntests:\n  - { name: reads ok, as: bob, upstream: fs, tool: read_file, expect: allow, rule: reads }\n  - { name: wrong on purpose, as: carl, groups: [contractors], upstream: fs, tool: write_file, expect: allow }\n`,
    );
    const r = await mcpgate(['policy', 'test', file], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ok    reads ok');
    expect(r.stdout).toContain(
      'FAIL  wrong on purpose: expected allow, got deny (rule contractors-no-writes)',
    );
    expect(r.stdout).toContain('1 passed, 1 failed');
    const j = await mcpgate(['policy', 'test', file, '--format', 'json'], dir);
    expect(j.code).toBe(1);
    expect(JSON.stringify(JSON.parse(j.stdout))).toContain('wrong on purpose');
  });

  it('tests the policy of a config file, and refuses an unsafe pattern at load', async () => {
    writeFileSync(
      join(dir, 'mcpgate.yaml'),
      `upstreams:\n  fs:\n    command: node\n    args: [x.js]\nstore:\n  dir: ./data\npolicy:${policyYaml}`,
    );
    writeFileSync(
      join(dir, 'cfg-test.yaml'),
      `config: ./mcpgate.yaml\ntests:\n  - { as: x, upstream: prod, tool: restart, expect: require_grant, rule: prod }\n`,
    );
    expect((await mcpgate(['policy', 'test', 'cfg-test.yaml'], dir)).code).toBe(0);
    writeFileSync(
      join(dir, 'evil.yaml'),
      `policy:\n  rules:\n    - name: evil\n      match: { args: [{ at: q, regex: '(a+)+$' }] }\n      action: deny\ntests:\n  - { as: x, tool: t, upstream: u, expect: deny }\n`,
    );
    const r = await mcpgate(['policy', 'test', 'evil.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('nested quantifier');
  });

  it('explain prints the decision and every rule considered', async () => {
    const r = await mcpgate(
      [
        'policy',
        'explain',
        '--as',
        'carl',
        '--groups',
        'contractors,eng',
        '--tool',
        'fs__write_file',
        '--args',
        '{"path":"/srv/x"}',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('decision: deny by rule "contractors-no-writes" — contractors may only read');
    expect(r.stdout).toContain('visible in lists: no');
    expect(r.stdout).toMatch(/1\. contractors-no-writes\s+deny\s+matched/);
    expect(r.stdout).toContain(
      'upstream requests without a rule naming them: sampling deny, elicitation allow, roots allow',
    );
    const sampling = await mcpgate(
      ['policy', 'explain', '--as', 'carl', '--tool', 'fs__read_file', '--method', 'sampling/createMessage'],
      dir,
    );
    expect(sampling.stdout).toContain('decision: deny by the default for upstream requests (deny)');
    const steps = await mcpgate(['policy', 'explain', '--steps'], dir);
    expect(steps.code, steps.stderr).toBe(0);
    expect(steps.stdout).toMatch(/ {4}6 {2}policy +inner +request, upstream +closed/);
    expect(steps.stdout).toMatch(/ {3}10 {2}approval +inner +request +closed/);
    expect(steps.stdout).not.toContain('approval-deferred');
    expect(sampling.stdout).toContain(
      'no rule names sampling/createMessage; policy.upstreamRequests.sampling is deny',
    );
    const j = await mcpgate(
      ['policy', 'explain', '--as', 'bob', '--upstream', 'fs', '--tool', 'delete_file', '--json'],
      dir,
    );
    const out = JSON.parse(j.stdout) as {
      decision: { action: string; rule?: string };
      considered: { rule: string; failed?: string }[];
    };
    expect(out.decision).toMatchObject({ action: 'deny' });
    expect(out.decision.rule).toBeUndefined();
    expect(out.considered.map((c) => [c.rule, c.failed])).toEqual([
      ['contractors-no-writes', 'tools'],
      ['reads', 'tools'],
      ['prod', 'upstreams'],
    ]);
    // --json is the deprecated alias: the same document as --format json; jsonl puts it on one line.
    const ask = ['policy', 'explain', '--as', 'bob', '--upstream', 'fs', '--tool', 'delete_file'];
    expect(j.stderr).toContain('--json is deprecated');
    // (input.now is the moment of each run, so the rest is compared.)
    const same = (text: string) => {
      const o = JSON.parse(text) as typeof out;
      return { decision: o.decision, considered: o.considered };
    };
    const expected = { decision: out.decision, considered: out.considered };
    expect(same((await mcpgate([...ask, '--format', 'json'], dir)).stdout)).toEqual(expected);
    const line = (await mcpgate([...ask, '--format', 'jsonl'], dir)).stdout;
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(same(line)).toEqual(expected);
    const bad = await mcpgate(['policy', 'explain', '--as', 'bob', '--tool', 'x', '--args', '[1]'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--args must be a JSON object');
  });
});

describe('mcpgate access / tools against a local store (built CLI, child processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-access-cli-'));
  const dataDir = join(dir, 'data');
  let requestId = '';

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'mcpgate.yaml'),
      `upstreams:\n  fs:\n    command: node\n    args: [x.js]\nstore:\n  dir: ./data\npolicy:${policyYaml}`,
    );
    // Another person's request, and a tool change seen by a gateway, written before the CLI runs.
    const store = await openPglite({ dir: dataDir });
    try {
      await migrate(store);
      const engine = engineOf({
        rules: [
          {
            name: 'prod',
            match: { upstreams: ['prod'] },
            action: 'require_grant',
            grant: { maxDuration: '1h', reviewers: ['sre'] },
          },
        ],
      });
      const grants = new GrantService({
        store: new SqlGrantStore(store),
        engine: () => engine,
        audit: new MemoryAuditSink(),
      });
      requestId = (
        await grants.request(identity('oidc:alice', ['eng']), {
          upstream: 'prod',
          durationMs: 20 * 60_000,
          reason: 'deploy',
        })
      ).id;
      const pins = new ToolPinning({
        store: new SqlPinStore(store),
        audit: new MemoryAuditSink(),
        mode: () => 'block',
      });
      await pins.start();
      await pins.observe('m', [{ name: 'echo', description: 'Echoes' }]);
      await pins.observe('m', [{ name: 'echo', description: 'Echoes, and reads your keys' }]);
      await pins.stop();
    } finally {
      await store.close();
    }
  });
  afterAll(() => undefined);

  it('a reviewer approves; the requester cannot approve their own; list and revoke', async () => {
    const mine = await mcpgate(
      ['access', 'request', '--upstream', 'prod', '--duration', '3h', '--reason', 'incident 7'],
      dir,
    );
    expect(mine.code, mine.stderr).toBe(0);
    const myId = mine.stdout.trim();
    expect(mine.stderr).toContain('capped from 3h by rule prod');
    const self = await mcpgate(['access', 'approve', myId], dir);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('a requester never approves their own request');

    const ok = await mcpgate(['access', 'approve', requestId, '--reason', 'go'], dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${requestId} approved until`);

    const list = JSON.parse((await mcpgate(['access', 'list', '--json'], dir)).stdout) as {
      id: string;
      status: string;
      decidedBy: string | null;
    }[];
    expect(list.find((g) => g.id === requestId)).toMatchObject({
      status: 'approved',
      decidedBy: `local:${me}`,
    });
    expect(list.find((g) => g.id === myId)).toMatchObject({ status: 'pending' });
    // --format json is the same document as the deprecated --json; jsonl is one grant a line.
    expect(JSON.parse((await mcpgate(['access', 'list', '--format', 'json'], dir)).stdout)).toEqual(list);
    const jsonl = (await mcpgate(['access', 'list', '--format', 'jsonl'], dir)).stdout.trim().split('\n');
    expect(jsonl.map((l) => JSON.parse(l) as unknown)).toEqual(list);

    const rev = await mcpgate(['access', 'revoke', requestId, '--reason', 'done'], dir);
    expect(rev.code, rev.stderr).toBe(0);
    expect((await mcpgate(['access', 'deny', 'G-missing'], dir)).stderr).toContain(
      'unknown grant request "G-missing"',
    );
    expect((await mcpgate(['access', 'request', '--upstream', 'prod'], dir)).code).toBe(2);
    // Eleven CLI runs, each opening the embedded store: 60 s was not enough on a busy 2-core host,
    // and a run cut by the timeout kept the store locked for the tests after it.
  }, 180_000);

  it('tools diff shows the change (exit 3); tools approve pins it (exit 0 after)', async () => {
    const d = await mcpgate(['tools', 'diff'], dir);
    expect(d.code).toBe(3);
    expect(d.stdout).toContain('m echo: changed since approval (pinning: block');
    expect(d.stdout).toContain('- approved: "Echoes"');
    expect(d.stdout).toContain('+ now:      "Echoes, and reads your keys"');
    const a = await mcpgate(['tools', 'approve', 'm', 'echo'], dir);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe('approved m echo\n');
    expect((await mcpgate(['tools', 'diff'], dir)).code).toBe(0);
    expect((await mcpgate(['tools', 'approve', 'm', 'echo'], dir)).code).toBe(1);
  });

  it('every step reached the audit trail', async () => {
    const store = await openPglite({ dir: dataDir });
    try {
      const r = await store.query<{ type: string; subject: string | null }>(
        `SELECT type, subject FROM events WHERE type LIKE 'grant.%' OR type LIKE 'pin.%' ORDER BY ts, seq`,
      );
      const types = r.rows.map((x) => x.type);
      expect(types).toEqual(
        expect.arrayContaining(['grant.requested', 'grant.approved', 'grant.revoked', 'pin.approved']),
      );
      expect(r.rows.find((x) => x.type === 'grant.approved')?.subject).toBe(`local:${me}`);
    } finally {
      await store.close();
    }
  });
});
