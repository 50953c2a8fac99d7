import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AuditStats } from '@mcpgate/audit';
import type { GatewayConfig } from '@mcpgate/config';
import {
  assertLocalModeAllowed,
  createAuthenticator,
  identityKey,
  LOCAL_MODE_WARNING,
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  type Authenticator,
} from '@mcpgate/auth';
import {
  createMetricsStep,
  GatewayMetrics,
  startHttpFace,
  type HttpAuthenticator,
  type ReadyReport,
} from '@mcpgate/faces';
import type { Command } from '../command.js';
import { createLogger } from '../runtime/logger.js';
import { loadConfigForCommand, logConfigWarnings } from '../runtime/load-config.js';
import { composeRuntime, type Runtime } from '../runtime/compose.js';
import { addAuditOutletMetrics } from '../runtime/audit-outlet-metrics.js';
import { onShutdownSignal } from '../runtime/signals.js';
import { configVersion, watchConfig, type ConfigWatch } from '../runtime/reload.js';
import { shareReloads, type ReloadBroadcast } from '../runtime/reload-broadcast.js';
import { whileAlive } from '../runtime/keep-alive.js';
import { checkPortFree, pickFreePort } from '../runtime/port-check.js';
import { createGrantsAdminHandler } from '@mcpgate/policy';
import { guardProcess } from '../runtime/defect-guard.js';
import { VERSION } from '../version.js';
import { consoleAdminHandlers, startConsole } from '../runtime/console.js';
import { createOAuthAdminHandler } from '../runtime/oauth-http.js';
import { oauthFlowRoutes } from '../runtime/oauth-routes.js';
import { resolveWorkerCount, workerReplicaId } from '../runtime/workers.js';
import { runPrimary } from '../runtime/cluster-primary.js';
import { workerLink } from '../runtime/cluster-worker.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the gateway over HTTP (Streamable HTTP both eras, legacy SSE) for central deployments',
  help: [
    'Usage: mcpgate serve [--config FILE] [--host ADDR] [--port N] [--workers N|auto]',
    '',
    'Listens on server.host:server.port (default 127.0.0.1:8080) and serves /mcp (Streamable HTTP, both',
    'protocol eras), /sse + /messages (legacy HTTP+SSE), /healthz, /readyz, /metrics and the RFC 9728',
    'protected-resource metadata. Every request is authenticated per auth (OIDC tokens, API keys, or',
    'local mode on loopback only). SIGTERM: /readyz answers 503 for server.drainDelay while requests are',
    'still served, then new connections are refused, in-flight calls drain for server.shutdownGrace, the',
    'audit is flushed and upstreams closed. Prints "listening on URL" on stderr (JSON log) once ready.',
    '',
    '--workers (server.workers, default auto: one per CPU) runs that many worker processes on the one',
    'port, each a replica on the shared PostgreSQL store; with the embedded store it is always 1.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c' },
    host: { type: 'string' },
    port: { type: 'string' },
    workers: { type: 'string' },
    'log-level': { type: 'string' },
  },
  async run(ctx) {
    const loaded = await loadConfigForCommand(ctx, { startsUpstreams: true });
    if (!loaded) return 1;
    const root = createLogger(
      (ctx.values['log-level'] as string | undefined) ?? loaded.config.logging.level,
      loaded.config.logging.format,
    );
    const metrics = new GatewayMetrics();
    // A cluster worker (forked by the primary below) is a replica with its own audit chain.
    const link = workerLink(() => metrics.render());
    const logger = link ? root.child({ worker: link.slot }) : root;
    const config: GatewayConfig = link
      ? {
          ...loaded.config,
          audit: {
            ...loaded.config.audit,
            replicaId: workerReplicaId(loaded.config.audit.replicaId, link.slot),
          },
        }
      : loaded.config;
    if (!link) logConfigWarnings(logger, loaded.path, loaded.warnings);
    const host = (ctx.values.host as string | undefined) ?? config.server.host;
    const portFlag = ctx.values.port as string | undefined;
    const port = link?.port ?? (portFlag !== undefined ? Number(portFlag) : config.server.port);
    const fail = (msg: string): number => {
      logger.error({ err: msg }, 'gateway failed to start');
      ctx.stderr.write(`mcpgate serve: ${msg}\n`);
      root.flush();
      link?.close();
      return 1;
    };
    const workers = resolveWorkerCount(config, ctx.values.workers as string | undefined);
    if (!workers.ok) return fail(workers.error);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      return fail(`--port must be 0…65535, got ${portFlag}`);
    if (config.auth.mode === 'local') {
      try {
        assertLocalModeAllowed(host);
      } catch (err) {
        return fail(err instanceof Error ? err.message : String(err));
      }
      logger.warn({ host }, LOCAL_MODE_WARNING);
    }
    // Before anything slow starts: a busy port is the most common first-run failure. (Not in a
    // worker: the primary checked, and the port is already shared by the workers started first.)
    const portProblem = link ? undefined : await checkPortFree(host, port);
    if (portProblem !== undefined) return fail(portProblem);
    let tls: { cert: Buffer; key: Buffer } | undefined;
    if (config.server.tls) {
      try {
        tls = { cert: readFileSync(config.server.tls.cert), key: readFileSync(config.server.tls.key) };
      } catch (err) {
        return fail(`cannot read server.tls files: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (!link && workers.count > 1) {
      const shared = port === 0 ? await pickFreePort(host) : port;
      const code = await runPrimary({
        count: workers.count,
        why: workers.why,
        port: shared,
        logger,
        stderr: ctx.stderr,
      });
      root.flush();
      return code;
    }
    let runtime: Runtime;
    try {
      runtime = await composeRuntime(config, logger, {
        outerFirst: [createMetricsStep(metrics)],
        servesOAuthCallback: true,
      });
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    const unguard = guardProcess(logger, (kind, err) => runtime.recordDefect(kind, err));
    addAuditMetrics(metrics, () => runtime.auditStats());
    addAuditOutletMetrics(metrics, () => runtime.auditOutlets());
    let auth: Authenticator;
    try {
      auth = await createAuthenticator(config.auth, {
        sql: runtime.store,
        logger: logger.child({ component: 'auth' }),
      });
    } catch (err) {
      await runtime.close();
      return fail(err instanceof Error ? err.message : String(err));
    }
    // /admin/approvals… and /admin/grants…: the reviewers' APIs (the CLI's --url mode, webhook
    // links and the web console use them).
    const adminHandlers = [
      runtime.approvals.adminHandler,
      createGrantsAdminHandler(runtime.policy.grants),
      ...consoleAdminHandlers(config, runtime),
      // /admin/oauth/connections: users' connections to per-user OAuth upstreams.
      ...(runtime.oauth ? [createOAuthAdminHandler(runtime.oauth, config.console.roles.admin ?? [])] : []),
    ];
    let webConsole;
    try {
      webConsole = startConsole(config, {
        sql: runtime.store,
        logger,
        adminHandlers,
        keepAliveMs: config.server.keepAlive,
        onSecurityEvent: (e) => runtime.hooks.onSecurityEvent?.(e),
      });
    } catch (err) {
      await auth.close();
      await runtime.close();
      return fail(err instanceof Error ? err.message : String(err));
    }
    const oauthFlows =
      runtime.oauth &&
      oauthFlowRoutes(config, runtime.oauth, {
        console: webConsole,
        logger,
        onSecurityEvent: (e) => runtime.hooks.onSecurityEvent?.(e),
      });
    // What decides calls here, for /readyz and /metrics (replicas compare them after a reload).
    const watching: { current?: ConfigWatch } = {};
    const versions = (): ConfigVersions => ({
      policyVersion: runtime.policy.runtime.version,
      configVersion: watching.current?.configVersion() ?? configVersion(config),
    });
    metrics.addGauge({
      name: 'mcpgate_config_info',
      help: 'The policy version and the policy+masking config version this replica applies (value 1).',
      collect: () => {
        const v = versions();
        return [{ labels: { policy_version: v.policyVersion, config_version: v.configVersion }, value: 1 }];
      },
    });
    let face;
    try {
      face = await startHttpFace({
        gateway: runtime.gateway,
        logger,
        name: 'mcpgate',
        version: VERSION,
        settings: {
          ...config.server,
          host,
          port,
          maxMessageBytes: config.limits.maxMessageBytes,
          maxJsonDepth: config.limits.maxJsonDepth,
          ...(tls && { tls }),
        },
        auth: withLocalGroups(auth, config),
        ownerKey: identityKey,
        ...(config.auth.resource !== undefined && {
          resource: config.auth.resource,
          resourceMetadata: {
            paths: protectedResourceMetadataPaths(config.auth.resource),
            document: protectedResourceMetadata(config.auth),
          },
        }),
        hooks: runtime.hooks,
        metrics,
        ...(link && { metricsText: () => link.metricsText() }),
        // Replicas on one Postgres serve each other's sessions (docs/decisions/0004).
        ...(runtime.store.kind === 'postgres' && {
          scaleOut: {
            sql: runtime.store,
            pinSessions: config.upstreams.some((u) => u.sharing === 'per-session'),
          },
        }),
        ready: () => readiness(runtime, config, versions),
        adminHandlers,
        routes: [
          // /oauth/start and /oauth/callback: the user's link, and the browser's way back from an
          // upstream's authorization server.
          ...(oauthFlows?.routes ?? []),
          ...(webConsole ? [(req: IncomingMessage, res: ServerResponse) => webConsole.handle(req, res)] : []),
        ],
      });
    } catch (err) {
      oauthFlows?.close();
      await webConsole?.close();
      await auth.close();
      await runtime.close();
      return fail(`cannot listen on ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const started = {
      url: face.url,
      config: loaded.path,
      auth: config.auth.mode,
      upstreams: runtime.gateway.pool.names(),
    };
    // A worker does not say "listening on": the primary does, once every worker is up.
    if (link) {
      logger.info({ ...started, replicaId: config.audit.replicaId }, `worker ${link.slot} serving`);
      link.listening(face.url);
    } else {
      // Say why when auto did not mean one per CPU (the embedded store, per-session upstreams).
      if (workers.why.includes('(')) logger.info({ workers: 1 }, workers.why);
      logger.info({ ...started, workers: 1 }, `listening on ${face.url}`);
    }
    let broadcast: ReloadBroadcast | undefined;
    const reloads = watchConfig(loaded.path, ctx.env, ctx.cwd, runtime, logger, (o) =>
      broadcast?.announce(o),
    );
    watching.current = reloads;
    // Replicas on one Postgres: a reload on one re-reads the file on all (docs/deploy.md).
    if (runtime.store.kind === 'postgres') {
      broadcast = await shareReloads(
        runtime.store,
        config.audit.replicaId ?? hostname(),
        reloads,
        logger,
      ).catch((err: unknown) => {
        logger.warn({ err: String(err) }, 'reloads not shared with other replicas; signal each one');
        return undefined;
      });
    }
    // A worker also stops when the primary says so (it forwards SIGTERM/SIGINT) or is gone.
    const signal = await (link ? Promise.race([onShutdownSignal(), link.shutdown]) : onShutdownSignal());
    reloads.stop();
    await broadcast?.stop();
    logger.info(
      { reason: signal, drainDelayMs: config.server.drainDelay, graceMs: config.server.shutdownGrace },
      'shutting down',
    );
    // Stop accepting and drain, then the runtime flushes the audit and closes the children.
    await whileAlive(async () => {
      oauthFlows?.close();
      await webConsole?.close();
      await face.close(config.server.shutdownGrace, config.server.drainDelay);
      await auth.close();
      await runtime.close();
    });
    unguard();
    logger.info({}, 'stopped');
    root.flush();
    link?.close();
    return 0;
  },
};

/**
 * `/readyz`: the store answers a query, and the upstreams' states are reported. Failed upstreams do
 * not make the gateway unready (the others still serve); a store that does not answer does, since
 * nothing may be forwarded without its audit record.
 */
interface ConfigVersions {
  readonly policyVersion: string;
  readonly configVersion: string;
}

async function readiness(
  runtime: Runtime,
  config: GatewayConfig,
  versions: () => ConfigVersions,
): Promise<ReadyReport> {
  let store: string;
  try {
    await runtime.store.query('SELECT 1');
    store = 'ok';
  } catch (err) {
    store = `unreachable: ${err instanceof Error ? err.message : String(err)}`;
  }
  const upstreams = Object.fromEntries(runtime.gateway.pool.status().map((s) => [s.name, s.state]));
  const starting = Object.values(upstreams).some((s) => s === 'starting');
  return {
    ready: store === 'ok' && !starting,
    checks: { store, upstreams, upstreamsConfigured: config.upstreams.length, ...versions() },
  };
}

/**
 * In local mode every caller is the OS user; give that user the groups `policy.localGroups`
 * lists for them, exactly as the stdio face and the local CLI reviewers get them.
 */
function withLocalGroups(auth: Authenticator, config: GatewayConfig): HttpAuthenticator {
  if (config.auth.mode !== 'local') return auth;
  return {
    authenticate: async (headers) => {
      const r = await auth.authenticate(headers);
      if (!r.ok) return r;
      const groups = config.policy.localGroups[r.identity.name ?? ''] ?? [];
      return { ...r, identity: { ...r.identity, groups: [...groups] } };
    },
  };
}

/** The audit trail's health on `/metrics`: how far the durable record is behind the data path. */
function addAuditMetrics(metrics: GatewayMetrics, stats: () => AuditStats): void {
  metrics.addGauge({
    name: 'mcpgate_audit_lag_seconds',
    help: 'Age of the oldest audit record not yet durable (0 when every record is committed).',
    collect: () => [{ labels: {}, value: stats().lagMs / 1000 }],
  });
  metrics.addGauge({
    name: 'mcpgate_audit_pending_records',
    help: 'Audit records not yet durable: queued for the next group commit, or held in memory while the store is unreachable.',
    collect: () => {
      const s = stats();
      return [
        { labels: { state: 'queued' }, value: s.queued },
        { labels: { state: 'deferred' }, value: s.deferred },
      ];
    },
  });
  metrics.addGauge({
    name: 'mcpgate_audit_records_total',
    help: 'Audit records committed by this process.',
    type: 'counter',
    collect: () => [{ labels: {}, value: stats().committed }],
  });
  metrics.addGauge({
    name: 'mcpgate_audit_dropped_records_total',
    help: 'Background audit records dropped because the in-memory retry buffer overflowed while the store was unreachable.',
    type: 'counter',
    collect: () => [{ labels: {}, value: stats().dropped }],
  });
}
