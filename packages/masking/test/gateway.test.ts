import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditRecorder,
  createAuditSteps,
  generateSigningKey,
  openStore,
  queryCalls,
  type Store,
} from '@mcpgate/audit';
import {
  DEFAULT_NAMING,
  Gateway,
  silentLogger,
  type CallIO,
  type Identity,
  type JsonObject,
  type UpstreamSpec,
} from '@mcpgate/core';
import { everythingBin, filesystemBin, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { createUpstreamPool } from '@mcpgate/upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Masker } from '../src/masker.js';
import { generateSealKeyPair, unseal, type SealedBlob } from '../src/seal.js';
import { createArgumentMaskingStep, createMaskingStep } from '../src/step.js';

// Masking in a real data path: real upstream MCP servers (server-everything, server-filesystem
// serving planted files), the real core Gateway and chain, the real audit recorder on a real
// PostgreSQL database. The planted raw values must reach neither the client nor any table.

const RAW = {
  email: 'margaret.hamilton@apollo-guidance.example.com',
  card: '4111 1111 1111 1111',
  aws: 'AKIAQ3EXAMPLEKEY7ZZZ',
  password: 'Tr0ub4dor-and-3',
  iban: 'DE89 3704 0044 0532 0130 00',
  github: `ghp_${'R7x'.repeat(12)}`,
  dbPassword: 's3cr3t-db-pass',
};

function spec(name: string, args: string[], env: Record<string, string> = {}): UpstreamSpec {
  return {
    name,
    prefix: name,
    transport: 'stdio',
    command: process.execPath,
    args,
    env,
    headers: {},
    sharing: 'shared',
    era: 'auto',
    requestTimeoutMs: 20_000,
    startTimeoutMs: 20_000,
    restart: { maxRestarts: 1, initialDelayMs: 100, maxDelayMs: 1000 },
    maxMessageBytes: 4 * 1024 * 1024,
  };
}

const io: CallIO = {
  clientCapabilities: undefined,
  progress: () => Promise.resolve(),
  request: () => Promise.resolve({}),
};

function textOf(result: JsonObject): string {
  return (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
}

describe('masking through the gateway, recorded in PostgreSQL', () => {
  let db: PgDatabase;
  let store: Store;
  let recorder: AuditRecorder;
  let gateway: Gateway;
  const keys = generateSealKeyPair();
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-mask-e2e-'));
  const file = join(dir, 'customers.txt');

  const call = async (groups: string[], name: string, args: JsonObject) => {
    const identity: Identity = { subject: `u:${groups.join(',') || 'plain'}`, groups, authMethod: 'local' };
    const session = gateway.openSession(
      {
        id: `s-${Math.random().toString(36).slice(2)}`,
        face: 'stdio',
        era: 'legacy',
        identity,
        startedAt: new Date(),
      },
      { notify: () => Promise.resolve() },
    );
    try {
      return await session.handle('tools/call', { name, arguments: args }, io, new AbortController().signal);
    } finally {
      await session.close();
    }
  };

  beforeAll(async () => {
    writeFileSync(
      file,
      [
        `customer: Margaret <${RAW.email}>`,
        `card on file: ${RAW.card}`,
        `payout IBAN: ${RAW.iban}`,
        `aws key id ${RAW.aws}`,
        `password=${RAW.password}`,
      ].join('\n'),
    );
    db = await pgSchema({ prefix: 'mcpgate_masking_e2e' });
    store = await openStore({ url: db.url });
    recorder = await AuditRecorder.start(store, {
      signingKey: generateSigningKey().key,
      replicaId: 'mask-e2e',
    });
    const audit = createAuditSteps(recorder);
    const masker = new Masker({
      seal: { enabled: true, publicKey: keys.publicKeyPem },
      exceptions: [{ id: 'oncall-raw', groups: ['oncall'], upstreams: ['everything'] }],
    });
    const pool = createUpstreamPool({
      specs: [
        spec('everything', [everythingBin(), 'stdio'], {
          GITHUB_TOKEN: RAW.github,
          DATABASE_URL: `postgres://app:${RAW.dbPassword}@db.internal:5432/app`,
        }),
        spec('fs', [filesystemBin(), dir]),
      ],
      logger: silentLogger,
    });
    gateway = new Gateway({
      pool,
      steps: {
        outer: [audit.outer],
        inner: [createArgumentMaskingStep(masker), createMaskingStep(masker), audit.inner],
      },
      naming: DEFAULT_NAMING,
      logger: silentLogger,
    });
    await gateway.start();
  });

  afterAll(async () => {
    await gateway?.close();
    await recorder?.close().catch(() => undefined);
    await store?.close();
    await db?.drop();
  });

  it('masks a planted file read through server-filesystem', async () => {
    const result = await call([], 'fs__read_text_file', { path: file });
    const text = textOf(result);
    for (const raw of [RAW.email, RAW.card, RAW.iban, RAW.aws, RAW.password]) expect(text).not.toContain(raw);
    for (const id of ['email', 'card', 'iban', 'aws_access_key_id', 'secret_pair'])
      expect(text).toContain(`[REDACTED:${id}]`);
  });

  it("masks server-everything's environment dump (JSON text, structurally)", async () => {
    const result = await call([], 'everything__get-env', {});
    const text = textOf(result);
    expect(text).not.toContain(RAW.github);
    expect(text).not.toContain(RAW.dbPassword);
    expect(text).toContain('[REDACTED:key:token]'); // GITHUB_TOKEN: a key-name rule
    expect(text).toContain(`postgres://app:[REDACTED:connection_string]@db.internal`);
  });

  it('echo: the client sees the echoed value masked', async () => {
    const result = await call([], 'everything__echo', { message: `reach me at ${RAW.email}` });
    expect(textOf(result)).toContain('[REDACTED:email]');
    expect(textOf(result)).not.toContain(RAW.email);
  });

  it('records masking events and a sealed raw copy; the upstream-returned raw values are in no table', async () => {
    await recorder.checkpoint();
    const rows = await queryCalls(store, { upstream: 'fs' });
    const fsCall = rows.find((r) => r.target === 'read_text_file')!;
    const response = fsCall.response as {
      masking: { detector: string; path: string }[];
      extra: { sealed: SealedBlob };
    };
    // server-filesystem returns the file both as text content and as structuredContent.content.
    const inText = response.masking.filter((m) => m.path === 'content[0].text').map((m) => m.detector);
    expect(inText.sort()).toEqual(['aws_access_key_id', 'card', 'email', 'iban', 'secret_pair'].sort());
    expect(new Set(response.masking.map((m) => m.path))).toEqual(
      new Set(['content[0].text', 'structuredContent.content']),
    );
    const opened = unseal(response.extra.sealed, keys.privateKeyPem) as { result: JsonObject };
    expect(textOf(opened.result)).toContain(RAW.card);
    expect(() => unseal(response.extra.sealed, generateSealKeyPair().privateKeyPem)).toThrow();

    // Every table, every row: the raw values the upstreams returned never reached the database.
    // (The echo call's argument was sent by the client and is recorded in its request record
    // unless argument masking is on and the audit records `notes.extra.auditArguments`.)
    const tables = await store.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    expect(tables.rows.length).toBeGreaterThan(2);
    for (const { table_name } of tables.rows) {
      const all = await store.query(`SELECT * FROM "${table_name}"`);
      const dump = JSON.stringify(all.rows);
      for (const raw of [RAW.card, RAW.iban, RAW.aws, RAW.password, RAW.github, RAW.dbPassword])
        expect(dump, `${raw} in ${table_name}`).not.toContain(raw);
      expect(dump.replaceAll(' ', '')).not.toContain(RAW.card.replaceAll(' ', ''));
    }
  });

  it('a group exception: the on-call caller sees raw data and the exception is on the record', async () => {
    const result = await call(['oncall'], 'everything__get-env', {});
    expect(textOf(result)).toContain(RAW.github);
    await recorder.checkpoint();
    const rows = await queryCalls(store, { user: 'u:oncall' });
    const extra = (rows.at(-1)!.response as { extra?: Record<string, unknown> }).extra;
    expect(extra?.maskingException).toEqual({ rule: 'oncall-raw', group: 'oncall' });
  });
});
