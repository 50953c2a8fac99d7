import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { connectGateway, waitFor, writeConfig } from './support.js';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => resolve(body));
  });
}

interface OtlpRequest {
  resourceLogs: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeLogs: Array<{
      scope: { name: string };
      logRecords: Array<{
        timeUnixNano: string;
        severityText: string;
        eventName: string;
        body: { stringValue: string };
        attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string } }>;
      }>;
    }>;
  }>;
}

/** Starts a loopback HTTP server handing each POST body to `onBody`; resolves to its URL. */
async function receiver(
  onBody: (body: string, req: IncomingMessage) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      onBody(body, req);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('SIEM streaming: every record exactly once across a gateway restart (built CLI, Postgres)', () => {
  let db: PgDatabase;
  let dir: string;
  let sql: pg.Client;
  const httpIds: string[] = [];
  const otlpIds: string[] = [];
  const otlpRequests: OtlpRequest[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-siem-'));
    db = await pgSchema({ prefix: 'mcpgate_siem' });
    // The HTTP sink's receiver: JSON Lines batches.
    const http = await receiver((body, req) => {
      expect(req.headers['content-type']).toBe('application/x-ndjson');
      expect(req.headers.authorization).toBe('Bearer siem-token');
      for (const line of body.split('\n').filter(Boolean))
        httpIds.push((JSON.parse(line) as { id: string }).id);
    });
    // A test receiver for OTLP/HTTP JSON logs: decodes the protobuf JSON mapping, as a collector would.
    const otlp = await receiver((body) => {
      const req = JSON.parse(body) as OtlpRequest;
      otlpRequests.push(req);
      for (const rl of req.resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const lr of sl.logRecords)
            otlpIds.push(lr.attributes.find((a) => a.key === 'mcpgate.record.id')!.value.stringValue!);
    });
    servers.push(http.server, otlp.server);
    writeConfig(
      `
policy: { default: allow }
upstreams: {}
store:
  url: ${JSON.stringify(db.url)}
audit:
  replicaId: gw
  signingKeyFile: audit-signing.key
  sinks:
    siem-file: { type: jsonl, path: siem/audit.jsonl, maxBytes: 4096, maxFiles: 1000 }
    siem-http:
      type: http
      url: ${http.url}/ingest
      headers: { Authorization: "Bearer \${env:SIEM_TOKEN}" }
    otel: { type: otlp, url: ${otlp.url}/v1/logs }
`,
      dir,
    );
    // Two gateway runs on one database: the second resumes from the cursors the first committed.
    for (let run = 0; run < 2; run++) {
      const gw = await connectGateway(join(dir, 'mcpgate.yaml'), { env: { SIEM_TOKEN: 'siem-token' } });
      for (let i = 0; i < 5; i++) await gw.client.listTools();
      await expect(gw.client.callTool({ name: 'nope__missing', arguments: {} })).rejects.toThrow();
      await gw.close();
    }
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await sql?.end();
    for (const s of servers) await new Promise((r) => s.close(r));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fileIds = (): string[] => {
    const files = readdirSync(join(dir, 'siem'));
    return files.flatMap((f) =>
      readFileSync(join(dir, 'siem', f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { id: string }).id),
    );
  };

  it('each sink holds every record of both runs exactly once', async () => {
    const all = (
      await sql.query<{ id: string }>(
        `SELECT chain_id || '/' || seq AS id FROM events ORDER BY chain_id, seq`,
      )
    ).rows.map((r) => r.id);
    expect(all.filter((id) => id.startsWith('gw:1/')).length).toBeGreaterThan(5);
    expect(all.filter((id) => id.startsWith('gw:2/')).length).toBeGreaterThan(5);
    const sorted = (ids: string[]): string[] => [...ids].sort();
    // The last records (writer.stopped) are delivered at shutdown; the cursor covers every chain.
    for (const [name, ids] of [
      ['siem-file', fileIds],
      ['siem-http', () => httpIds],
      ['otel', () => otlpIds],
    ] as const) {
      await waitFor(() => (ids().length >= all.length ? true : undefined), 15_000, `${name} to catch up`);
      expect(sorted(ids()), name).toEqual(sorted(all));
    }
    const cursors = await sql.query<{ sink: string; chain_id: string; seq: string; done: boolean }>(
      'SELECT sink, chain_id, seq, done FROM audit_sink_cursors ORDER BY sink, chain_id',
    );
    expect(cursors.rows.filter((c) => c.sink === 'otel').map((c) => [c.chain_id, c.done])).toEqual([
      ['gw:1', true],
      ['gw:2', true],
    ]);
  });

  it('rotates the JSON Lines file and keeps the documented field mapping', () => {
    expect(readdirSync(join(dir, 'siem')).length).toBeGreaterThan(1);
    const lines = readdirSync(join(dir, 'siem')).flatMap((f) =>
      readFileSync(join(dir, 'siem', f), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
    const refused = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.type === 'call.refused')!;
    expect(refused).toMatchObject({
      chain: expect.stringMatching(/^gw:[12]$/),
      type: 'call.refused',
      subject: expect.stringMatching(/^local:/),
      method: 'tools/call',
      outcome: expect.any(String),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(refused.id).toBe(`${String(refused.chain)}/${String(refused.seq)}`);
    expect(typeof refused.body).toBe('object');
  });

  it('maps records to OTLP log records (JSON encoding)', () => {
    const rl = otlpRequests[0]!.resourceLogs[0]!;
    expect(rl.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'mcpgate' } });
    const records = otlpRequests.flatMap((r) => r.resourceLogs[0]!.scopeLogs[0]!.logRecords);
    const refused = records.find((r) => r.eventName === 'call.refused')!;
    expect(refused.severityText).toBe('WARN');
    expect(refused.timeUnixNano).toMatch(/^\d{19}$/);
    const attr = (k: string): unknown => refused.attributes.find((a) => a.key === k)?.value;
    expect(attr('rpc.method')).toEqual({ stringValue: 'tools/call' });
    expect(attr('mcpgate.seq')).toEqual({ intValue: expect.stringMatching(/^\d+$/) });
    expect(JSON.parse(refused.body.stringValue)).toHaveProperty('request');
  });
});
