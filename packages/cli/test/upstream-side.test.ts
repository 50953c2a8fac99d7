import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { CHAIN_ORDER } from '@mcpgate/core';
import { PLANTED, pgSchema, plantedServerBin, type PgDatabase } from '@mcpgate/testkit';
import { CLI, connectGateway, textOf, writeConfig, type Connected } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';

/**
 * The upstream side of the chain, end to end: a real SDK v2 upstream (testkit's `planted` server)
 * logs a planted token, reports progress with a planted card number, asks the client's model with
 * a planted key in the prompt, elicits with the token in the question, and asks for roots — over
 * a legacy (2025) connection (real server→client requests) and a modern (2026-07-28) one (asks
 * inside `input_required`). Through the stdio face and the HTTP face, with legacy and modern
 * clients: no planted raw value reaches a client or the audit, the audit holds the masked
 * payloads with masking events linked to the call, sampling is refused by default with a clear
 * error and a record, and a require_approval rule holds it for a reviewer.
 */
const user = userInfo().username;
const RAW = Object.values(PLANTED);
const ROOTS = [
  { uri: 'file:///srv/project/app', name: 'app' },
  { uri: 'file:///home/someone/private', name: 'private' },
];

let db: PgDatabase;
let config: string;

beforeAll(async () => {
  db = await pgSchema({ prefix: 'mcpgate_e2e_upside' });
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-upside-'));
  const planted = (era: string) =>
    `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(plantedServerBin())}], era: ${era} }`;
  config = writeConfig(
    `
upstreams:
  lp: ${planted('legacy')}
  mp: ${planted('modern')}
  held: ${planted('legacy')}
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key }
server: { port: 0 }
masking: { arguments: true }
policy:
  default: allow
  localGroups: { ${JSON.stringify(user)}: [reviewers] }
  rules:
    - name: sample-tool-may-sample
      match: { methods: [sampling/createMessage], upstreams: [lp, mp], tools: [sample] }
      action: allow
      limits: { maxTokens: 500, maxPerCall: 1 }
    - name: held-sampling-needs-a-reviewer
      match: { methods: [sampling/createMessage], upstreams: [held] }
      action: require_approval
      approval: { reviewers: [reviewers], approvals: 1, mode: wait, allowSelfApproval: true }
    - name: project-roots-only
      match: { methods: [roots/list] }
      action: allow
      roots: ['file:///srv/project']
`,
    dir,
  );
});

afterAll(async () => {
  await db?.drop();
});

/** What one client saw of the upstream side. */
interface Seen {
  logs: string[];
  sampling: string[];
  elicitations: string[];
}

function handlers(client: Client, seen: Seen): void {
  client.setNotificationHandler('notifications/message', (n) => {
    seen.logs.push(JSON.stringify(n.params));
  });
  client.setRequestHandler('sampling/createMessage', (req) => {
    seen.sampling.push(JSON.stringify(req.params));
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `summary mentions ${PLANTED.key}` },
    };
  });
  client.setRequestHandler('elicitation/create', (req) => {
    seen.elicitations.push(JSON.stringify(req.params));
    return { action: 'accept', content: { note: `card ${PLANTED.card}` } };
  });
  client.setRequestHandler('roots/list', () => ({ roots: ROOTS }));
}

const CAPS = { sampling: {}, elicitation: {}, roots: {} };

function expectNoRaw(text: string): void {
  for (const raw of RAW) expect(text).not.toContain(raw);
}

async function auditRows(): Promise<
  Array<{ type: string; method: string; correlation_id: string | null; body: string }>
> {
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  try {
    const r = await sql.query<{ type: string; method: string; correlation_id: string | null; body: string }>(
      'SELECT type, method, correlation_id, body::text AS body FROM events ORDER BY ts, seq',
    );
    return r.rows;
  } finally {
    await sql.end();
  }
}

/** The same scenarios against any connected client. */
function scenarios(face: string, era: 'legacy' | 'modern', client: () => Client, seen: Seen): void {
  for (const up of ['lp', 'mp'] as const) {
    describe(`${face} face, ${era} client, ${up === 'lp' ? 'legacy' : 'modern'} upstream`, () => {
      it('masks a planted card number in progress text', async () => {
        const progress: string[] = [];
        const res = await client().callTool(
          { name: `${up}__progress_card`, arguments: {} },
          { onprogress: (p) => progress.push(p.message ?? '') },
        );
        expect(textOf(res)).toBe('charged');
        expect(progress.join('\n')).toContain('[REDACTED:card]');
        expectNoRaw(progress.join('\n'));
      });

      it('masks the sampling request toward the client model; the answer is masked on the way back', async () => {
        const before = seen.sampling.length;
        const res = await client().callTool({ name: `${up}__sample`, arguments: {} });
        expect(seen.sampling.length).toBe(before + 1);
        const asked = seen.sampling.at(-1)!;
        expect(asked).toContain('[REDACTED:aws_access_key_id]');
        expectNoRaw(asked);
        // The upstream got the client's raw answer and echoed it; the client sees it masked.
        expect(textOf(res)).toContain('sampled: summary mentions [REDACTED:aws_access_key_id]');
      });

      it('masks the elicitation question', async () => {
        const before = seen.elicitations.length;
        const res = await client().callTool({ name: `${up}__elicit`, arguments: {} });
        expect(seen.elicitations.length).toBe(before + 1);
        expect(seen.elicitations.at(-1)).toContain('[REDACTED:github_token]');
        expectNoRaw(seen.elicitations.at(-1)!);
        expect(textOf(res)).toContain('elicited: accept');
        expectNoRaw(textOf(res));
      });

      it('narrows the roots answer to the configured roots', async () => {
        const res = await client().callTool({ name: `${up}__roots`, arguments: {} });
        expect(textOf(res)).toBe('roots: file:///srv/project/app');
      });

      it('masks a planted token in a log line', async () => {
        const before = seen.logs.length;
        const res = await client().callTool({ name: `${up}__log_secret`, arguments: {} });
        expect(textOf(res)).toContain('logged');
        const logs = seen.logs.slice(before).join('\n');
        expectNoRaw(logs);
        if (up === 'lp' && era === 'legacy') expect(logs).toContain('[REDACTED:github_token]');
      });
    });
  }
}

describe('stdio face', () => {
  for (const era of ['legacy', 'modern'] as const) {
    const seen: Seen = { logs: [], sampling: [], elicitations: [] };
    let gw: Connected;
    beforeAll(async () => {
      gw = await connectGateway(config, { era, capabilities: CAPS, setup: (c) => handlers(c, seen) });
    });
    afterAll(async () => {
      await gw?.close();
    });
    scenarios('stdio', era, () => gw.client, seen);
  }
});

describe('HTTP face', () => {
  let serve: ServeProcess;
  beforeAll(async () => {
    serve = await startServe(config);
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
  });
  for (const era of ['legacy', 'modern'] as const) {
    const seen: Seen = { logs: [], sampling: [], elicitations: [] };
    let client: Client;
    beforeAll(async () => {
      client = newClient(era, CAPS);
      handlers(client, seen);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${serve.url}/mcp`)));
    });
    afterAll(async () => {
      await client?.close();
    });
    scenarios('HTTP', era, () => client, seen);
  }
});

describe('policy over upstream requests (stdio face, legacy client)', () => {
  const seen: Seen = { logs: [], sampling: [], elicitations: [] };
  let gw: Connected;
  beforeAll(async () => {
    gw = await connectGateway(config, { capabilities: CAPS, setup: (c) => handlers(c, seen) });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses sampling no rule allows, with a clear error to the upstream and a record', async () => {
    const before = seen.sampling.length;
    const denied = await connectGateway(
      writeConfig(`
upstreams:
  lp: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(plantedServerBin())}], era: legacy }
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ${JSON.stringify(join(mkdtempSync(join(tmpdir(), 'mcpgate-upside-k-')), 'k.key'))} }
policy: { default: allow }
`),
      { capabilities: CAPS, setup: (c) => handlers(c, seen) },
    );
    try {
      const out = await denied.client.callTool({ name: 'lp__sample', arguments: {} });
      expect(out.isError).toBe(true);
      expect(textOf(out)).toContain(
        'upstream "lp" asked for sampling/createMessage during tools/call lp__sample: denied by default',
      );
      expect(seen.sampling.length).toBe(before); // the client's model was never asked
    } finally {
      await denied.close();
    }
    const rows = await auditRows();
    const refused = rows.filter(
      (r) =>
        r.method === 'sampling/createMessage' &&
        r.body.includes('"refused"') &&
        r.body.includes('policy_denied'),
    );
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.correlation_id).toMatch(/^c_/);
  });

  it('limits sampling to the tokens a rule allows', async () => {
    // The allow rule caps maxTokens at 500 and one request per call; the planted server asks for 100.
    const res = await gw.client.callTool({ name: 'lp__sample', arguments: {} });
    expect(res.isError).not.toBe(true);
  });

  it('holds sampling under require_approval until a reviewer approves', async () => {
    const waiting: string[] = [];
    const call = gw.client.callTool(
      { name: 'held__sample', arguments: {} },
      { onprogress: (p) => waiting.push(p.message ?? ''), resetTimeoutOnProgress: true },
    );
    const id = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const tick = setInterval(() => {
        const found = /A-[0-9A-Z]{6}/.exec(waiting.join('\n'))?.[0];
        if (found) {
          clearInterval(tick);
          resolve(found);
        } else if (Date.now() - started > 30_000) {
          clearInterval(tick);
          reject(new Error('no approval id in progress messages'));
        }
      }, 100);
    });
    expect(seen.sampling.some((s) => s.includes('held'))).toBe(false);
    const approved = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [
        CLI,
        'approvals',
        'approve',
        id,
        '--config',
        config,
        '--reason',
        'ok',
      ]);
      child.on('exit', resolve);
    });
    expect(approved).toBe(0);
    const res = await call;
    expect(textOf(res)).toContain('sampled: summary mentions [REDACTED:aws_access_key_id]');
  });
});

describe('the audit record of a call', () => {
  it('lists every step it passed, each with its own timing', async () => {
    const rows = await auditRows();
    const request = rows.find((r) => r.type === 'call.request' && r.body.includes('lp__progress_card'));
    const response = rows.find(
      (r) => r.type === 'call.response' && r.correlation_id === request?.correlation_id,
    );
    expect(response).toBeDefined();
    const steps = (
      JSON.parse(response!.body) as { steps: Array<{ step: string; phase: string; micros: number }> }
    ).steps;
    const names = new Set(steps.map((s) => s.step));
    // audit records before its own timing ends; metrics exists on the HTTP face only.
    for (const p of CHAIN_ORDER.filter((p) => p.name !== 'audit' && p.name !== 'metrics'))
      expect(names.has(p.name), p.name).toBe(true);
    expect(steps.every((s) => Number.isInteger(s.micros) && s.micros >= 0)).toBe(true);
  });
});

describe('the audit record of upstream-side messages', () => {
  it('holds masked payloads with masking events, linked to the call, and no planted raw value', async () => {
    const rows = await auditRows();
    const all = rows.map((r) => r.body).join('\n');
    expectNoRaw(all);
    const upstreamSide = rows.filter((r) => r.type === 'notification' || r.type === 'server.request');
    const byMethod = (m: string) => upstreamSide.filter((r) => r.method === m);
    for (const m of [
      'sampling/createMessage',
      'elicitation/create',
      'roots/list',
      'notifications/progress',
    ]) {
      expect(byMethod(m).length, m).toBeGreaterThan(0);
    }
    const sampling = byMethod('sampling/createMessage').find(
      (r) => r.body.includes('"from_upstream"') && r.body.includes('"masking"'),
    );
    expect(sampling?.body).toContain('[REDACTED:aws_access_key_id]');
    expect(sampling?.body).toContain('"detector":"aws_access_key_id"');
    expect(sampling?.correlation_id).toMatch(/^c_/);
    const answer = byMethod('sampling/createMessage').find(
      (r) => r.body.includes('"from_client"') && r.body.includes('"masking"'),
    );
    expect(answer?.body).toContain('[REDACTED:aws_access_key_id]');
    const progress = byMethod('notifications/progress').find((r) => r.body.includes('[REDACTED:card]'));
    expect(progress?.body).toContain('"detector":"card"');
    const log = byMethod('notifications/message').find((r) => r.body.includes('[REDACTED:github_token]'));
    expect(log).toBeDefined();
    // A modern client's answers to a modern upstream travel in the retried call: its request
    // record holds them masked too.
    const requests = rows.filter((r) => r.type === 'call.request' && r.body.includes('inputResponses'));
    expect(requests.length).toBeGreaterThan(0);
  });
});
