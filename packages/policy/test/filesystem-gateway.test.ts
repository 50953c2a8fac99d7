import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@mcpgate/core';
import { filesystemBin } from '@mcpgate/testkit';
import { createAuthorizeSteps } from '../src/step/authorize.js';
import { createPolicyVisibility } from '../src/visibility.js';
import { clientIO, failure, mutableSpec, peer, sessionFor, startGateway } from './gateway-helpers.js';
import { engineOf, identity } from './helpers.js';

/**
 * server-filesystem is started with the whole temp root, so the upstream itself would serve the
 * secret directory: only the policy's pathOutside rule stands between the caller and it.
 */
describe('path rules through a real gateway and server-filesystem', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgate-fs-policy-')));
  const allowed = join(root, 'allowed');
  let gw: Gateway;
  const engine = engineOf({
    default: 'deny',
    rules: [
      {
        name: 'fs-outside',
        match: { upstreams: ['fs'], args: [{ at: 'path', pathOutside: [allowed] }] },
        action: 'deny',
        message: 'outside the shared folder',
      },
      {
        name: 'fs-multi-outside',
        match: { upstreams: ['fs'], args: [{ at: 'paths', pathOutside: [allowed] }] },
        action: 'deny',
        message: 'outside the shared folder',
      },
      {
        name: 'fs-writes',
        match: { upstreams: ['fs'], tools: ['write_file', 'edit_file', 'move_file', 'create_directory'] },
        action: 'deny',
      },
      { name: 'fs', match: { upstreams: ['fs'] }, action: 'allow' },
    ],
  });

  beforeAll(async () => {
    mkdirSync(allowed);
    mkdirSync(join(root, 'secret'));
    mkdirSync(join(root, 'allowed2'));
    writeFileSync(join(allowed, 'notes.txt'), 'shared notes');
    writeFileSync(join(root, 'secret', 'key.txt'), 'TOP SECRET');
    writeFileSync(join(root, 'allowed2', 'x.txt'), 'sibling');
    const spec = { ...mutableSpec('fs'), args: [filesystemBin(), root] };
    gw = (await startGateway([spec], createAuthorizeSteps(engine), createPolicyVisibility(engine))).gateway;
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const read = (path: string) =>
    gw
      .openSession(sessionFor('s', identity('oidc:alice')), peer)
      .handle(
        'tools/call',
        { name: 'fs__read_text_file', arguments: { path } },
        clientIO(undefined),
        new AbortController().signal,
      );

  it('reads inside the allowed root', async () => {
    expect(JSON.stringify(await read(join(allowed, 'notes.txt')))).toContain('shared notes');
  });

  const attempts: [string, (r: string, a: string) => string][] = [
    ['plain path outside', (r) => `${r}/secret/key.txt`],
    ['dot-dot traversal', (_r, a) => `${a}/../secret/key.txt`],
    ['url-encoded dot-dot', (_r, a) => `${a}/%2e%2e/secret/key.txt`],
    ['double-encoded dot-dot', (_r, a) => `${a}/%252e%252e/secret/key.txt`],
    ['sibling with the same prefix', (r) => `${r}/allowed2/x.txt`],
    ['duplicate slashes and dots', (_r, a) => `${a}//./..//secret/key.txt`],
    ['relative path', () => '../secret/key.txt'],
  ];
  for (const [what, make] of attempts) {
    it(`refuses ${what}`, async () => {
      const f = await failure(read(make(root, allowed)));
      expect([f.code, f.message, (f.data as { rule: string }).rule]).toEqual([
        'policy_denied',
        'outside the shared folder',
        'fs-outside',
      ]);
    });
  }

  it('refuses one bad path among many, and lists no write tools', async () => {
    const s = gw.openSession(sessionFor('s2', identity('oidc:alice')), peer);
    const f = await failure(
      s.handle(
        'tools/call',
        {
          name: 'fs__read_multiple_files',
          arguments: { paths: [join(allowed, 'notes.txt'), join(root, 'secret', 'key.txt')] },
        },
        clientIO(undefined),
        new AbortController().signal,
      ),
    );
    expect(f.code).toBe('policy_denied');
    const names = (
      (await s.handle('tools/list', undefined, clientIO(undefined), new AbortController().signal)).tools as {
        name: string;
      }[]
    ).map((t) => t.name);
    expect(names).toContain('fs__read_text_file');
    expect(names).not.toContain('fs__write_file');
    const w = await failure(
      s.handle(
        'tools/call',
        { name: 'fs__write_file', arguments: { path: join(allowed, 'x'), content: 'y' } },
        clientIO(undefined),
        new AbortController().signal,
      ),
    );
    expect([w.code, w.message]).toEqual(['unknown_tool', 'unknown tool "fs__write_file"']);
  });

  it('control: without the rule the upstream would have served the secret', async () => {
    const open = engineOf({ default: 'allow' });
    gw.setSteps({ outer: [], inner: createAuthorizeSteps(open) }, createPolicyVisibility(open));
    expect(JSON.stringify(await read(`${allowed}/../secret/key.txt`))).toContain('TOP SECRET');
  });
});
