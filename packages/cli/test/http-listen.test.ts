import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { everythingBin, mutableServerBin } from '@mcpgate/testkit';
import { CLI, waitFor, writeConfig } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';

// 2026-07-28 clients have no session to receive notifications on: they follow changes through a
// `subscriptions/listen` stream. Over HTTP the gateway keeps one session per principal; these
// tests check that its change notifications reach that principal's listen stream, that resources
// named in the filter are subscribed upstream on the principal's behalf under its policy, and that
// nothing reaches another principal's stream.
const PEPPER = 'http-listen-pepper-0123456789abcdef012345';
const DOC = 'demo://resource/static/document/extension.md';

describe('mcpgate serve: subscriptions/listen for modern clients', () => {
  let gw: ServeProcess;
  let config: string;
  const keys: Record<string, string> = {};
  const clients: Client[] = [];

  beforeAll(async () => {
    config = writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${process.execPath}
    args: ['${everythingBin()}', 'stdio']
  mutable:
    alias: mu
    command: ${process.execPath}
    args: ['${mutableServerBin()}']
policy:
  default: allow
  rules:
    # bob may use the tools but not follow the documents.
    - name: no-docs-for-bob
      match: { keyNames: [bob], methods: [resources/subscribe, resources/read] }
      action: deny
store:
  dir: ./data
server:
  port: 0
auth:
  mode: oauth
  apiKeys:
    enabled: true
    pepper: \${env:PEPPER}
`);
    for (const name of ['alice', 'bob']) {
      const out = spawnSync(process.execPath, [CLI, 'keys', 'create', '--name', name, '--config', config], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PEPPER },
      });
      const key = /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(out.stdout)?.[0];
      if (!key) throw new Error(`keys create ${name} failed: ${out.stderr}`);
      keys[name] = key;
    }
    gw = await startServe(config, { PEPPER });
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await gw?.stop('SIGKILL');
  });

  async function connect(who: string) {
    const client = newClient('modern');
    const seen = { updated: [] as string[], toolsChanged: 0 };
    client.setNotificationHandler(
      'notifications/resources/updated',
      (n) => void seen.updated.push(n.params.uri),
    );
    client.setNotificationHandler('notifications/tools/list_changed', () => void seen.toolsChanged++);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
        requestInit: { headers: { 'x-api-key': keys[who]! } },
      }),
    );
    clients.push(client);
    return { client, seen };
  }

  it('delivers resources/updated for a resource the filter names, subscribed upstream on the caller’s behalf', async () => {
    const alice = await connect('alice');
    const sub = await alice.client.listen({ resourceSubscriptions: [DOC] });
    expect(sub.honoredFilter.resourceSubscriptions).toEqual([DOC]);
    await alice.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
    try {
      await waitFor(() => (alice.seen.updated.includes(DOC) ? true : undefined), 20_000, 'resources/updated');
    } finally {
      await alice.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
    }
    await sub.close();
  });

  it('refuses the upstream subscription where policy denies it, and delivers nothing of another principal’s', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const aliceSub = await alice.client.listen({ resourceSubscriptions: [DOC] });
    // The SDK honours the filter (the gateway can subscribe); the gateway's subscribe on bob's
    // behalf is then refused by policy, so bob's stream stays silent while alice's gets updates.
    const bobSub = await bob.client.listen({ resourceSubscriptions: [DOC] });
    await alice.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
    try {
      await waitFor(() => (alice.seen.updated.includes(DOC) ? true : undefined), 20_000, 'alice’s update');
      // Updates come every few seconds: wait for two more of alice's before judging bob's silence.
      const count = alice.seen.updated.length;
      await waitFor(
        () => (alice.seen.updated.length >= count + 2 ? true : undefined),
        30_000,
        'more updates',
      );
    } finally {
      await alice.client.callTool({ name: 'ev__toggle-subscriber-updates', arguments: {} });
    }
    expect(bob.seen.updated).toEqual([]);
    const denied = await bob.client.readResource({ uri: DOC }).then(
      () => 'read',
      (err: Error) => err.message,
    );
    expect(denied).not.toBe('read');
    await aliceSub.close();
    await bobSub.close();
  }, 90_000);

  it('delivers tools/list_changed from an upstream to a listen stream opened before any call', async () => {
    const carol = await connect('alice');
    const sub = await carol.client.listen({ toolsListChanged: true });
    expect(sub.honoredFilter.toolsListChanged).toBe(true);
    // Another principal's call changes the upstream's tool list: every listener hears of it.
    const bob = await connect('bob');
    await bob.client.callTool({
      name: 'mu__set_description',
      arguments: { tool: 'echo', description: 'changed by a test' },
    });
    await waitFor(() => (carol.seen.toolsChanged > 0 ? true : undefined), 20_000, 'tools/list_changed');
    const { tools } = await carol.client.listTools();
    expect(tools.find((t) => t.name === 'mu__echo')?.description).toBe('changed by a test');
    await sub.close();
  }, 60_000);
});
