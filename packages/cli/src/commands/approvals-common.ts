import { homedir, userInfo } from 'node:os';
import {
  approvalError,
  approvalJson,
  ApprovalsClient,
  ApprovalService,
  WebhookNotifier,
  type ApprovalStatus,
  type Reviewer,
} from '@mcpgate/approvals';
import { openStore } from '@mcpgate/audit';
import { defaultTokenStorePath, getAccessToken, TokenStore } from '@mcpgate/auth';
import { isGatewayError, silentLogger } from '@mcpgate/core';
import { str, UsageError, type CommandContext, type OptionSpec } from '../command.js';
import { FORMAT_OPTIONS, structuredText } from '../runtime/table.js';
import { resolveSigningKey, startCommandRecorder, type CommandRecorder } from '../runtime/audit.js';
import { loadConfigForCommand } from '../runtime/load-config.js';

type Json = Record<string, unknown>;

/** Flags every `approvals` subcommand takes. */
export const APPROVALS_OPTIONS: OptionSpec = {
  url: { type: 'string' },
  config: { type: 'string', short: 'c' },
  'as-groups': { type: 'string' },
  ...FORMAT_OPTIONS,
};

export const MODE_HELP = [
  'Remote mode (--url URL, the gateway URL you logged in to with `mcpgate login URL`): talks to the',
  "gateway's admin API as you, with your own token (or $MCPGATE_TOKEN, e.g. an API key).",
  'Local-operator mode (no --url): works directly on the store of the config (--config FILE); you',
  'act as the OS user (local:<user>) with the groups policy.localGroups gives that user, or --as-groups',
  'G1,G2. Anyone who can run this against the store can decide: use it where the operator already',
  'controls the database (a laptop, the gateway host).',
];

export interface ListQuery {
  readonly status?: readonly ApprovalStatus[];
  readonly requester?: string;
  readonly upstream?: string;
  readonly tool?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** What the subcommands need, whichever mode: answers in the admin API's JSON shape. */
export interface ApprovalsBackend {
  list(q: ListQuery): Promise<{ items: Json[]; nextCursor: string | null }>;
  show(id: string): Promise<Json>;
  decide(id: string, action: 'approve' | 'deny', reason?: string): Promise<Json>;
}

function groupsFlag(ctx: CommandContext): string[] | undefined {
  const raw = str(ctx.values, 'as-groups');
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

function remote(ctx: CommandContext, url: string): ApprovalsBackend {
  const envToken = ctx.env.MCPGATE_TOKEN;
  const store = new TokenStore(defaultTokenStorePath(ctx.env, homedir()));
  const client = new ApprovalsClient({
    gatewayUrl: url,
    token: (forceRefresh) =>
      envToken ? Promise.resolve(envToken) : getAccessToken({ gatewayUrl: url, store, forceRefresh }),
  });
  return {
    list: (q) => client.list({ ...q, ...(q.status ? { status: [...q.status] } : {}) }),
    show: (id) => client.show(id),
    decide: (id, action, reason) => client.decide(id, action, reason),
  };
}

/**
 * Runs `fn` against the chosen backend and turns refusals into `mcpgate <cmd>: <message>`, exit 1.
 * Local mode records every decision in the audit trail (its own chain, `cli-<host>`) and delivers
 * the configured webhooks before exiting.
 */
export async function withApprovals(
  ctx: CommandContext,
  command: string,
  fn: (b: ApprovalsBackend, who: string) => Promise<number>,
): Promise<number> {
  const url = str(ctx.values, 'url');
  const asGroups = groupsFlag(ctx);
  try {
    if (url !== undefined) {
      if (asGroups !== undefined)
        throw new UsageError(
          '--as-groups is for local mode only: with --url your groups come from your login',
        );
      return await fn(remote(ctx, url), `you at ${url}`);
    }
    const loaded = await loadConfigForCommand(ctx);
    if (!loaded) return 1;
    const { config } = loaded;
    const user = osUser();
    const reviewer: Reviewer = {
      subject: `local:${user}`,
      name: user,
      groups: asGroups ?? [...(config.policy.localGroups[user] ?? [])],
      // The same person under every local subject form (older records say os:<user>).
      aliases: [`os:${user}`, `local:${user}`],
    };
    const signingKey = resolveSigningKey(config, silentLogger);
    const store = await openStore(config.store, { baseDir: config.baseDir });
    let audit: CommandRecorder | undefined;
    let service: ApprovalService | undefined;
    try {
      audit = await startCommandRecorder(store, config, signingKey, silentLogger, {
        checkpointIntervalMs: config.audit.checkpointInterval,
      });
      const recorder = audit.recorder;
      const a = config.approvals;
      service = new ApprovalService({
        sql: store,
        audit: recorder,
        sweepIntervalMs: 0,
        deferWindowMs: a.defaults.deferWindow,
        uses: a.defaults.uses,
        ...(a.webhooks.length > 0
          ? {
              notifier: new WebhookNotifier({
                targets: a.webhooks,
                ...(a.adminBaseUrl !== undefined ? { adminBaseUrl: a.adminBaseUrl } : {}),
                maxAttempts: a.delivery.maxAttempts,
                initialBackoffMs: a.delivery.initialBackoff,
                maxBackoffMs: a.delivery.maxBackoff,
                timeoutMs: a.delivery.timeout,
              }),
            }
          : {}),
      });
      const s = service;
      const backend: ApprovalsBackend = {
        // The local operator sees every approval in the store (they hold the database anyway).
        list: async (q) => {
          const page = await s.list({
            ...(q.status ? { statuses: q.status } : {}),
            ...(q.requester !== undefined ? { requester: q.requester } : {}),
            ...(q.upstream !== undefined ? { upstream: q.upstream } : {}),
            ...(q.tool !== undefined ? { tool: q.tool } : {}),
            ...(q.limit !== undefined ? { limit: q.limit } : {}),
            ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          });
          return { items: page.items.map(approvalJson), nextCursor: page.nextCursor ?? null };
        },
        show: async (id) => {
          const found = await s.get(id);
          if (!found) throw approvalError('unknown', `unknown approval ${id.trim().toUpperCase()}`);
          return approvalJson(found);
        },
        decide: async (id, action, reason) => {
          const opts = { channel: 'cli-local', ...(reason !== undefined ? { reason } : {}) };
          const done =
            action === 'approve' ? await s.approve(reviewer, id, opts) : await s.deny(reviewer, id, opts);
          await s.idle();
          return approvalJson(done);
        },
      };
      return await fn(backend, `${reviewer.subject} (groups: ${reviewer.groups.join(', ') || 'none'})`);
    } finally {
      await service?.close();
      await audit?.close();
      await store.close();
    }
  } catch (err) {
    if (isGatewayError(err)) {
      ctx.stderr.write(`mcpgate ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export function writeJson(ctx: CommandContext, format: 'json' | 'jsonl', value: unknown): void {
  ctx.stdout.write(structuredText(format, value));
}

/** The single positional approval id. */
export function idArg(ctx: CommandContext): string {
  const id = ctx.positionals[0];
  if (!id || ctx.positionals.length > 1) throw new UsageError('give exactly one approval id (like A-7K3M9Q)');
  return id;
}
