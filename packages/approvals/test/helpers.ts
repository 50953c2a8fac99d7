import {
  newCorrelationId,
  newNotes,
  runChain,
  type CallContext,
  type Identity,
  type Interceptor,
  type JsonObject,
  type Outcome,
  type ProgressUpdate,
  type SqlClient,
} from '@mcpgate/core';
import {
  AuditRecorder,
  generateSigningKey,
  migrate,
  openPglite,
  openPostgres,
  type Store,
} from '@mcpgate/audit';
import { buildPolicyEngine, createAuthorizeSteps } from '@mcpgate/policy';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { ApprovalGate } from '../src/gate.js';
import { ApprovalService, type ApprovalServiceOptions } from '../src/service.js';
import type { ApprovalNotifier } from '../src/notifier.js';

export function person(subject: string, groups: string[] = [], name?: string): Identity {
  return { subject, groups, authMethod: 'oidc', ...(name ? { name } : {}) };
}

/** One "gateway replica": its own store connection, audit chain, approval service and gate. */
export interface Replica {
  readonly sql: Store;
  readonly recorder: AuditRecorder;
  readonly service: ApprovalService;
  readonly gate: ApprovalGate;
  close(): Promise<void>;
}

export async function replica(
  sql: Store,
  name: string,
  opts: Partial<ApprovalServiceOptions> & { notifier?: ApprovalNotifier; progressIntervalMs?: number } = {},
): Promise<Replica> {
  const recorder = await AuditRecorder.start(sql, {
    signingKey: generateSigningKey().key,
    replicaId: name,
    recover: false,
    checkpointIntervalMs: 3_600_000,
  });
  const service = new ApprovalService({
    sql,
    audit: recorder,
    pollIntervalMs: 60_000, // wake-ups must come from NOTIFY in these tests, not from polling
    sweepIntervalMs: 0,
    ...opts,
  });
  await service.start();
  const gate = new ApprovalGate(service, { progressIntervalMs: opts.progressIntervalMs ?? 50 });
  return {
    sql,
    recorder,
    service,
    gate,
    async close() {
      await service.close();
      await recorder.close();
    },
  };
}

export interface Stores {
  readonly kind: 'pglite' | 'postgres';
  /** A store for replica one and one for replica two (two pools on one Postgres database; one PGlite). */
  readonly a: Store;
  readonly b: Store;
  close(): Promise<void>;
}

export async function pgliteStores(): Promise<Stores> {
  const store = await openPglite();
  await migrate(store);
  return { kind: 'pglite', a: store, b: store, close: () => store.close() };
}

export async function postgresStores(prefix: string): Promise<Stores & { db: PgDatabase }> {
  const db = await pgSchema({ prefix });
  const a = await openPostgres({ url: db.url });
  await migrate(a);
  const b = await openPostgres({ url: db.url });
  return {
    kind: 'postgres',
    db,
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await db.drop();
    },
  };
}

export const RULES = {
  default: 'allow',
  rules: [
    {
      name: 'prod-deploy',
      match: { upstreams: ['ops'], tools: ['deploy'] },
      action: 'require_approval',
      approval: { reviewers: ['sre', 'leads'], approvals: 1, mode: 'wait', timeout: '2m' },
    },
    {
      name: 'two-person-drop',
      match: { upstreams: ['ops'], tools: ['drop_table'] },
      action: 'require_approval',
      approval: { reviewers: ['sre', 'leads'], approvals: 2, mode: 'wait', timeout: '2m' },
    },
    {
      name: 'deferred-refund',
      match: { upstreams: ['ops'], tools: ['refund'] },
      action: 'require_approval',
      approval: { reviewers: ['finance'], mode: 'defer', timeout: '2m' },
    },
    {
      name: 'self-ok',
      match: { upstreams: ['ops'], tools: ['restart'] },
      action: 'require_approval',
      approval: { reviewers: ['sre'], mode: 'wait', allowSelfApproval: true, timeout: '2m' },
    },
    {
      name: 'quick-timeout',
      match: { upstreams: ['ops'], tools: ['flaky'] },
      action: 'require_approval',
      approval: { reviewers: ['sre'], mode: 'wait', timeout: 400 },
    },
  ],
};

/** The real policy step over RULES, with this replica's gate. */
export function chainOf(gate: ApprovalGate, rules: unknown = RULES): Interceptor[] {
  const built = buildPolicyEngine(rules);
  if (!built.ok) throw new Error(built.errors.join('\n'));
  return createAuthorizeSteps(built.engine, { approvals: gate });
}

/** A tool call as the router leaves it: routed to `upstream`/`tool`, with a progress channel. */
export function toolCall(
  who: Identity,
  upstream: string,
  tool: string,
  args: JsonObject,
  signal: AbortSignal = new AbortController().signal,
): { ctx: CallContext; progress: ProgressUpdate[] } {
  const progress: ProgressUpdate[] = [];
  const ctx: CallContext = {
    correlationId: newCorrelationId(),
    session: { id: `s-${who.subject}`, face: 'http', era: 'legacy', identity: who, startedAt: new Date() },
    method: 'tools/call',
    params: { name: `${upstream}__${tool}`, arguments: args },
    target: { kind: 'tool', upstream, name: tool, exposedName: `${upstream}__${tool}` },
    receivedAt: new Date(),
    signal,
    io: {
      progress: (u) => {
        progress.push(u);
        return Promise.resolve();
      },
      request: () => Promise.reject(new Error('no client requests in these tests')),
      clientCapabilities: {},
    },
    notes: newNotes(),
  };
  return { ctx, progress };
}

/** A forward function that "executes" the tool: counts runs and echoes the arguments it ran with. */
export function upstreamTool(): { forward: (ctx: CallContext) => Promise<Outcome>; runs: JsonObject[] } {
  const runs: JsonObject[] = [];
  return {
    runs,
    forward: (ctx) => {
      const args = (ctx.params?.arguments ?? {}) as JsonObject;
      runs.push(args);
      return Promise.resolve({
        kind: 'result',
        result: { content: [{ type: 'text', text: `ran ${ctx.target.name} with ${JSON.stringify(args)}` }] },
      });
    },
  };
}

export function run(
  steps: Interceptor[],
  call: { ctx: CallContext },
  forward: (ctx: CallContext) => Promise<Outcome>,
): Promise<Outcome> {
  return runChain(steps, call.ctx, forward);
}

/** Polls until `fn` returns a value (approval ids appear in the store asynchronously to the caller). */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The approval events in the audit chain, oldest first. */
export async function approvalEvents(
  sql: SqlClient,
  approvalId: string,
): Promise<
  { type: string; subject: string | null; body: Record<string, unknown>; session_id: string | null }[]
> {
  const r = await sql.query<{
    type: string;
    subject: string | null;
    body: string;
    session_id: string | null;
  }>(`SELECT type, subject, body, session_id FROM events WHERE type LIKE 'approval.%' ORDER BY ts, seq`);
  return r.rows
    .map((e) => ({
      ...e,
      body: (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as Record<string, unknown>,
    }))
    .filter((e) => e.body.approvalId === approvalId);
}
