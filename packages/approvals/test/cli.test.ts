import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditRecorder, generateSigningKey, openStore, type Store } from '@mcpgate/audit';
import { canonicalHash, type Identity } from '@mcpgate/core';
import { createApprovalsAdminHandler } from '../src/admin/handler.js';
import { ApprovalService } from '../src/service.js';
import type { ApprovalRecord, ApprovalRule } from '../src/types.js';
import { person, pgliteStores, replica, type Replica, type Stores } from './helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'bin', 'mcpgate.js');
const ME = userInfo().username;

function mcpgate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const wait: ApprovalRule = {
  reviewers: ['sre'],
  approvals: 1,
  timeoutMs: 3_600_000,
  mode: 'defer',
  allowSelfApproval: false,
};

async function request(service: ApprovalService, who: Identity, tool: string, args: Record<string, unknown>) {
  return service.request({
    identity: who,
    sessionId: `s-${tool}`,
    method: 'tools/call',
    upstream: 'ops',
    tool,
    arguments: args,
    argsHash: canonicalHash(args),
    rule: 'ops-approval',
    requirement: wait,
  });
}

describe('mcpgate approvals, local-operator mode (built CLI against a PGlite store)', () => {
  let dir: string;
  let config: string;
  let ids: Record<'deploy' | 'drop' | 'mine', string>;

  const withStore = async <T>(fn: (store: Store, service: ApprovalService) => Promise<T>): Promise<T> => {
    const store = await openStore({ dir: join(dir, 'data') });
    const recorder = await AuditRecorder.start(store, {
      signingKey: generateSigningKey().key,
      recover: false,
      replicaId: 'test',
    });
    const service = new ApprovalService({ sql: store, audit: recorder, sweepIntervalMs: 0 });
    try {
      return await fn(store, service);
    } finally {
      await recorder.close();
      await store.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-approvals-cli-'));
    config = join(dir, 'mcpgate.yaml');
    writeFileSync(
      config,
      // The upstream is never started: approvals commands only read the config and the store.
      [
        'upstreams:',
        '  ops: { command: node }',
        'store:',
        '  dir: ./data',
        'policy:',
        '  localGroups:',
        `    ${JSON.stringify(ME)}: [sre]`,
        '',
      ].join('\n'),
    );
    ids = await withStore(async (_store, service) => {
      const alice = person('oidc:alice', ['eng'], 'Alice');
      const deploy = await request(service, alice, 'deploy', { service: 'api', version: '7' });
      const drop = await request(service, alice, 'drop_table', { table: 'users' });
      // A request made by this very OS user through the stdio face.
      const mine = await request(
        service,
        { subject: `os:${ME}`, groups: ['sre'], authMethod: 'local' },
        'restart',
        {},
      );
      return { deploy: deploy.id, drop: drop.id, mine: mine.id };
    });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists pending requests and shows one with its arguments', async () => {
    const list = await mcpgate(['approvals', 'list', '--config', config]);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    for (const id of Object.values(ids)) expect(list.stdout).toContain(id);
    expect(list.stdout).toMatch(/ID\s+STATUS\s+APPROVALS/);

    const show = await mcpgate(['approvals', 'show', ids.deploy.toLowerCase(), '--config', config, '--json']);
    expect(show.code).toBe(0);
    const a = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(a).toMatchObject({
      id: ids.deploy,
      requester: 'oidc:alice',
      arguments: '{"service":"api","version":"7"}',
    });

    const unknown = await mcpgate(['approvals', 'show', 'A-ZZZZZZ', '--config', config]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown approval A-ZZZZZZ');
  });

  it('approves and denies as the OS user, refusing non-reviewers and self-approval', async () => {
    const outsider = await mcpgate([
      'approvals',
      'approve',
      ids.deploy,
      '--config',
      config,
      '--as-groups',
      'finance',
    ]);
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toContain(`local:${ME} is not a reviewer of approval ${ids.deploy}`);

    const self = await mcpgate(['approvals', 'approve', ids.mine, '--config', config]);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('may not decide it');

    const ok = await mcpgate(['approvals', 'approve', ids.deploy, '--config', config, '--reason', 'release']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`approved ${ids.deploy} as local:${ME}`);

    const noReason = await mcpgate(['approvals', 'deny', ids.drop, '--config', config]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason TEXT is required');

    const denied = await mcpgate([
      'approvals',
      'deny',
      ids.drop,
      '--config',
      config,
      '--reason',
      'not on prod',
    ]);
    expect(denied.code).toBe(0);
    const again = await mcpgate(['approvals', 'approve', ids.drop, '--config', config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`approval ${ids.drop} is already denied`);

    await withStore(async (store, service) => {
      const deploy = (await service.get(ids.deploy)) as ApprovalRecord;
      expect(deploy.status).toBe('approved');
      expect(deploy.decisions[0]).toMatchObject({
        reviewer: `local:${ME}`,
        channel: 'cli-local',
        reason: 'release',
      });
      expect((await service.get(ids.drop))!.status).toBe('denied');
      const ev = await store.query<{ type: string; subject: string }>(
        `SELECT type, subject FROM events WHERE type = 'approval.decision' ORDER BY ts`,
      );
      expect(ev.rows.map((r) => r.subject)).toEqual([`local:${ME}`, `local:${ME}`]);
    });
  });
});

describe('mcpgate approvals, remote mode (--url, the reviewer’s own login)', () => {
  let stores: Stores;
  let r: Replica;
  let server: Server;
  let url: string;
  let home: string;
  const people: Record<string, Identity> = { 'token-of-sam': person('oidc:sam', ['sre'], 'Sam') };

  beforeAll(async () => {
    stores = await pgliteStores();
    r = await replica(stores.a, 'gw-remote');
    const handler = createApprovalsAdminHandler(r.service);
    server = createServer((req, res) => {
      const who = people[String(req.headers.authorization).replace(/^Bearer /, '')];
      if (!who) return void res.writeHead(401).end();
      void handler(req, res, who).then((h) => (h ? undefined : void res.writeHead(404).end()));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    home = mkdtempSync(join(tmpdir(), 'mcpgate-approvals-home-'));
    mkdirSync(join(home, 'mcpgate'), { recursive: true, mode: 0o700 });
    const tokens = {
      version: 1,
      gateways: {
        [url]: {
          gateway: url,
          resource: url,
          issuer: 'https://idp.example.com',
          clientId: 'mcpgate',
          tokenEndpoint: 'https://idp.example.com/token',
          accessToken: 'token-of-sam',
          expiresAt: Date.now() + 3_600_000,
          updatedAt: Date.now(),
        },
      },
    };
    writeFileSync(join(home, 'mcpgate', 'tokens.json'), JSON.stringify(tokens), { mode: 0o600 });
  });
  afterAll(async () => {
    await new Promise((ok) => server?.close(ok));
    await r?.close();
    await stores?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('lists and approves through the admin API with the token from `mcpgate login`', async () => {
    const a = await request(r.service, person('oidc:alice', ['eng']), 'deploy', { service: 'web' });
    const env = { XDG_CONFIG_HOME: home };
    const list = await mcpgate(['approvals', 'list', '--url', url, '--format', 'json'], env);
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as { items: { id: string }[] }).items.map((x) => x.id)).toEqual([a.id]);
    // jsonl: one approval object per line; --json: the deprecated alias of --format json.
    const jsonl = await mcpgate(['approvals', 'list', '--url', url, '--format', 'jsonl'], env);
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual([a.id]);
    const alias = await mcpgate(['approvals', 'list', '--url', url, '--json'], env);
    expect(JSON.parse(alias.stdout)).toEqual(JSON.parse(list.stdout));
    expect(alias.stderr).toContain('--json is deprecated; use --format json');

    const groups = await mcpgate(['approvals', 'approve', a.id, '--url', url, '--as-groups', 'sre'], env);
    expect(groups.code).toBe(2);
    expect(groups.stderr).toContain('--as-groups is for local mode only');

    const ok = await mcpgate(['approvals', 'approve', a.id, '--url', url], env);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`approved ${a.id}`);
    const stored = await r.service.get(a.id);
    expect(stored!.decisions[0]).toMatchObject({ reviewer: 'oidc:sam', channel: 'cli-remote' });

    const loggedOut = await mcpgate(['approvals', 'list', '--url', url], {
      XDG_CONFIG_HOME: join(home, 'nobody'),
    });
    expect(loggedOut.code).toBe(1);
    expect(loggedOut.stderr).toContain(`mcpgate login`);
  });
});
