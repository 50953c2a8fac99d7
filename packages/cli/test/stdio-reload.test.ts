import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { everythingBin } from '@mcpgate/testkit';
import { connectGateway, textOf, waitFor, writeConfig, type Connected } from './support.js';

/** Hot reload through the real binary: policy swaps without dropping the session; a broken file changes nothing. */
const base = `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
`;
const allowAll = `${base}policy:\n  default: allow\n`;
const denyEcho = `${base}policy:\n  default: allow\n  rules:\n    - name: no-echo\n      match: { tools: [echo] }\n      action: deny\n      message: echo is switched off\n`;

describe('hot reload of mcpgate stdio', () => {
  let gw: Connected;
  let path: string;
  let listChanges = 0;
  beforeAll(async () => {
    path = writeConfig(allowAll);
    gw = await connectGateway(path, {
      setup: (c) => c.setNotificationHandler('notifications/tools/list_changed', () => void listChanges++),
    });
  });
  afterAll(() => gw?.close());

  const echo = async (): Promise<string> => {
    try {
      return textOf(await gw.client.callTool({ name: 'ev__echo', arguments: { message: 'x' } }));
    } catch (err) {
      return String(err);
    }
  };

  it('applies a changed policy to the running session', async () => {
    expect(await echo()).toBe('Echo: x');
    writeFileSync(path, denyEcho);
    // A tool denied to everyone is hidden: absent from lists and refused like a missing one.
    await waitFor(
      async () => ((await echo()).includes('unknown tool "ev__echo"') ? true : undefined),
      20_000,
      'the new policy',
    );
    expect((await gw.client.listTools()).tools.map((t) => t.name)).not.toContain('ev__echo');
    expect(listChanges).toBeGreaterThan(0); // the client was told to re-list
  });

  it('keeps the running config when the new file is invalid, and says why', async () => {
    writeFileSync(path, `${denyEcho}policy_typo: true\n`);
    await waitFor(
      () => (gw.stderr.some((l) => l.includes('config not reloaded')) ? true : undefined),
      20_000,
      'the rejection',
    );
    const line = gw.stderr.find((l) => l.includes('config not reloaded'))!;
    expect(line).toMatch(/policy_typo/);
    expect(await echo()).toContain('unknown tool "ev__echo"');
  });

  it('reloads again once the file is fixed', async () => {
    writeFileSync(path, allowAll);
    await waitFor(
      async () => ((await echo()) === 'Echo: x' ? true : undefined),
      20_000,
      'the restored policy',
    );
  });
});
