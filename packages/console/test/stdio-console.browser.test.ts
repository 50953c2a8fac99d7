import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import type { Browser } from 'playwright-core';
import { everythingBin } from '@mcpgate/testkit';
import { CLI, connectGateway, writeConfig, type Connected } from '../../cli/test/support.js';
import { expectAccessible } from './fixtures/a11y.js';
import { launchBrowser, newPerson, screenshot, type Person } from './fixtures/browser.js';

/**
 * The laptop story: an MCP client spawns `mcpgate stdio` (embedded store) with `console.listen`;
 * the one-time link printed to stderr signs the browser in as the OS user, who approves a call
 * the client is waiting on.
 */
const user = userInfo().username;

describe('console: mcpgate stdio with console.listen', () => {
  let gw: Connected;
  let browser: Browser;
  let link: string;
  let configPath: string;
  const people: Person[] = [];

  beforeAll(async () => {
    configPath = writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
console:
  listen: 127.0.0.1:0
policy:
  default: allow
  localGroups: { ${JSON.stringify(user)}: [me] }
  rules:
    - name: sums-need-approval
      match: { tools: [get-sum] }
      action: require_approval
      approval: { reviewers: [me], approvals: 1, mode: wait, timeout: 5m, allowSelfApproval: true }
`);
    gw = await connectGateway(configPath);
    // stderr is piped here, so the line is a JSON log line like the others, with the link in `url`.
    const line = gw.stderr.find((l) => l.includes('"msg":"mcpgate console: open '));
    expect(line, gw.stderr.join('\n')).toBeDefined();
    link = (JSON.parse(line!) as { url: string }).url;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const p of people) await p.context.close();
    await browser?.close();
    await gw?.close();
  });

  it('prints a loopback one-time link once', () => {
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/auth\/token\?token=[\w-]{43}$/);
    expect(gw.stderr.filter((l) => l.includes('/console/auth/token'))).toHaveLength(1);
  });

  it('the link signs in as the OS user, who approves a held call; the client gets the result', async () => {
    const me = await newPerson(browser);
    people.push(me);
    await me.page.goto(link);
    await me.page.waitForURL((u) => u.pathname === '/console/approvals');
    await me.page.locator('.live.on').waitFor();
    expect(await me.page.locator('header .who').textContent()).toContain(user);
    const held = gw.client.callTool(
      { name: 'ev__get-sum', arguments: { a: 40, b: 2 } },
      { timeout: 300_000 },
    );
    held.catch(() => undefined);
    const card = me.page.locator('li.card', { hasText: '"a":40' });
    await card.waitFor({ timeout: 30_000 });
    await card.getByRole('link').click();
    await me.page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => me.page.getByRole('status').textContent()).toBe('Your approval was recorded.');
    await screenshot(me.page, 'stdio-console');
    await expectAccessible(me.page, 'stdio-console');
    expect(JSON.stringify((await held).content)).toContain('42');
  });

  it('the link works once; the console refuses other Host names', async () => {
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    const { origin, port } = new URL(link);
    // fetch() cannot set Host; node:http can, as a DNS-rebinding page's requests would carry it.
    const rebinding = await new Promise<number | undefined>((resolve, reject) => {
      request(`${origin}/console/`, { headers: { host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(rebinding).toBe(403);
    const anonymous = await fetch(`${origin}/admin/approvals`);
    expect(anonymous.status).toBe(404);
  });

  it('while the gateway runs, the CLI decides through its control channel (the store stays locked)', async () => {
    const socket = join(dirname(configPath), '.mcpgate', 'data', 'control.sock');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const held = gw.client.callTool(
      { name: 'ev__get-sum', arguments: { a: 30, b: 12 } },
      { timeout: 300_000 },
    );
    held.catch(() => undefined);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args, '--config', configPath], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      });
    let id: string | undefined;
    await expect
      .poll(
        () => {
          const list = cli('approvals', 'list', '--json');
          const items =
            (
              JSON.parse(list.stdout || '{"items":[]}') as {
                items?: Array<{ id: string; arguments: string; status: string }>;
              }
            ).items ?? [];
          id = items.find((i) => i.arguments.includes('"a":30') && i.status === 'requested')?.id;
          return id ?? list.stderr;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toMatch(/^A-/);
    const approved = cli('approvals', 'approve', id!, '--reason', 'from the terminal');
    expect(approved.status, approved.stderr).toBe(0);
    expect(JSON.stringify((await held).content)).toContain('42');
  });
});
