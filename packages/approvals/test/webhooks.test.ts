import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHash } from '@mcpgate/core';
import { verifyWebhookSignature, webhookSignature } from '../src/webhooks/sign.js';
import { WebhookNotifier } from '../src/webhooks/notifier.js';
import { approvalEvents, person, pgliteStores, replica, type Replica, type Stores } from './helpers.js';

interface Received {
  readonly path: string;
  readonly body: string;
  readonly headers: IncomingMessage['headers'];
  readonly valid: boolean;
}

const SECRET = 'whsec-test-0123456789abcdef';

/** A local receiver: answers 500 to the first `failFirst` deliveries of each delivery id, then 200. */
async function receiver(failFirst: number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const sig = req.headers['x-mcpgate-signature'];
      received.push({
        path: req.url ?? '',
        body,
        headers: req.headers,
        valid: verifyWebhookSignature(SECRET, body, typeof sig === 'string' ? sig : undefined),
      });
      const delivery = String(req.headers['x-mcpgate-delivery']);
      const n = (seen.get(delivery) ?? 0) + 1;
      seen.set(delivery, n);
      res.writeHead(n <= failFirst ? 500 : 200).end(n <= failFirst ? 'try again' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

const rule = {
  reviewers: ['sre'],
  approvals: 1,
  timeoutMs: 60_000,
  mode: 'wait' as const,
  allowSelfApproval: false,
};
const alice = person('oidc:alice', ['eng'], 'Alice');
const sam = person('oidc:sam', ['sre']);

function requestInput(args: Record<string, unknown>) {
  return {
    identity: alice,
    sessionId: 's-1',
    correlationId: 'c_1',
    method: 'tools/call',
    upstream: 'ops',
    tool: 'deploy',
    arguments: args,
    argsHash: canonicalHash(args),
    rule: 'prod-deploy',
    requirement: rule,
  };
}

describe('webhooks', () => {
  let stores: Stores;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let r: Replica;

  beforeAll(async () => {
    stores = await pgliteStores();
    hook = await receiver(2);
    r = await replica(stores.a, 'gw-hooks', {
      notifier: new WebhookNotifier({
        targets: [
          { url: `${hook.url}/json?token=s3cret`, secret: SECRET, events: ['requested', 'approved'] },
          { url: `${hook.url}/slack`, secret: SECRET, events: ['requested'], format: 'slack' },
        ],
        adminBaseUrl: 'https://mcp.example.com/',
        initialBackoffMs: 20,
        maxAttempts: 4,
      }),
    });
  });
  afterAll(async () => {
    await r?.close();
    await stores?.close();
    await new Promise((res) => hook?.server.close(res));
  });

  it('signs every delivery, retries 500s with backoff, and records the notification', async () => {
    const a = await r.service.request(requestInput({ service: 'api' }));
    await r.service.idle();
    const json = hook.received.filter((x) => x.path.startsWith('/json'));
    expect(json).toHaveLength(3);
    expect(json.every((x) => x.valid)).toBe(true);
    // Same delivery id on every attempt, so a receiver can de-duplicate.
    expect(new Set(json.map((x) => x.headers['x-mcpgate-delivery'])).size).toBe(1);
    expect(json[0]!.headers['x-mcpgate-event']).toBe('requested');
    const payload = JSON.parse(json[2]!.body) as {
      event: string;
      approval: Record<string, unknown>;
      links: Record<string, string>;
    };
    expect(payload.event).toBe('requested');
    expect(payload.approval).toMatchObject({
      id: a.id,
      requester: alice.subject,
      tool: 'deploy',
      status: 'requested',
    });
    expect(payload.links.approve).toBe(`https://mcp.example.com/admin/approvals/${a.id}/approve`);
    expect(payload.links.page).toBe(`https://mcp.example.com/console/approvals/${a.id}`);

    await r.recorder.flush();
    const notified = (await approvalEvents(stores.a, a.id)).filter((e) => e.type === 'approval.notified');
    expect(notified).toHaveLength(2);
    const jsonReport = notified.find((e) => e.body.channel === 'webhook:json')!;
    expect(jsonReport.body).toMatchObject({ ok: true, attempts: 3, status: 200, notice: 'requested' });
    // The recorded target never carries the query string (tokens live there).
    expect(jsonReport.body.target).toBe(`${hook.url}/json`);
  });

  it('sends a ready Slack message with the request, requester, arguments and approve/deny links', async () => {
    const a = await r.service.request(requestInput({ service: 'billing', version: '9' }));
    await r.service.idle();
    const slack = hook.received
      .filter((x) => x.path === '/slack')
      .map((x) => JSON.parse(x.body) as Record<string, unknown>);
    const msg = slack.find((m) => JSON.stringify(m).includes(a.id))!;
    expect(msg.text).toContain(`Approval requested: ${a.id} — ops / deploy`);
    expect(msg.text).toContain('Alice (oidc:alice)');
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('{\\"service\\":\\"billing\\",\\"version\\":\\"9\\"}');
    // The buttons open the approval in the web console (a link click cannot decide by itself).
    expect(text).toContain(`https://mcp.example.com/console/approvals/${a.id}?decide=approve`);
    expect(text).toContain(`https://mcp.example.com/console/approvals/${a.id}?decide=deny`);
    expect(text).not.toContain(`/admin/approvals/${a.id}/approve`);
    expect(text).toContain(`mcpgate approvals approve ${a.id}`);
  });

  it('sends only the events a target asked for, and gives up after the bounded attempts', async () => {
    const a = await r.service.request(requestInput({ service: 'x' }));
    await r.service.idle();
    const before = hook.received.length;
    await r.service.approve(sam, a.id, { channel: 'cli-local' });
    await r.service.idle();
    const after = hook.received.slice(before);
    // approved goes to the json target only (3 attempts: two 500s, then 200).
    expect(after.map((x) => x.path.split('?')[0])).toEqual(['/json', '/json', '/json']);
    expect(after.every((x) => x.headers['x-mcpgate-event'] === 'approved')).toBe(true);

    const dead = new WebhookNotifier({
      targets: [{ url: 'http://127.0.0.1:9/unreachable', secret: SECRET }],
      initialBackoffMs: 5,
      maxAttempts: 3,
    });
    const [report] = await dead.deliver('requested', (await r.service.get(a.id))!);
    expect(report).toMatchObject({ ok: false, attempts: 3 });
  });

  it('masks what reviewers see of the arguments, while binding to the real ones', async () => {
    const masked = await replica(stores.a, 'gw-masked', {
      redactArguments: (args) => ({ ...(args as Record<string, unknown>), token: '[REDACTED:secret]' }),
      notifier: new WebhookNotifier({
        targets: [{ url: `${hook.url}/masked`, secret: SECRET, events: ['requested'] }],
        initialBackoffMs: 5,
      }),
    });
    try {
      const args = { service: 'api', token: 'ghp_realSecretValue1234567890' };
      const a = await masked.service.request(requestInput(args));
      await masked.service.idle();
      expect(a.argsSummary).toBe('{"service":"api","token":"[REDACTED:secret]"}');
      expect(a.argsHash).toBe(canonicalHash(args));
      const sent = hook.received
        .filter((x) => x.path === '/masked')
        .map((x) => x.body)
        .join('\n');
      expect(sent).toContain('[REDACTED:secret]');
      expect(sent).not.toContain('ghp_realSecretValue');
    } finally {
      await masked.close();
    }
  });

  it('rejects bad and stale signatures', () => {
    const body = '{"a":1}';
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhookSignature(SECRET, body, webhookSignature(SECRET, body, now))).toBe(true);
    expect(verifyWebhookSignature('other', body, webhookSignature(SECRET, body, now))).toBe(false);
    expect(verifyWebhookSignature(SECRET, '{"a":2}', webhookSignature(SECRET, body, now))).toBe(false);
    expect(verifyWebhookSignature(SECRET, body, webhookSignature(SECRET, body, now - 3600))).toBe(false);
    expect(verifyWebhookSignature(SECRET, body, undefined)).toBe(false);
  });
});
