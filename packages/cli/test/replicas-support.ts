import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { everythingBin, freePort, mutableServerBin, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { REPO, waitFor, writeConfig } from './support.js';
import { startServe, type ServeProcess } from './http-support.js';
import { deployNginxLbBlock, nginxLbConfigFor, startNginx } from './nginx-support.js';

export const HAPROXY = '/usr/sbin/haproxy';

/** The ```haproxy block of docs/deploy.md: the tests run exactly this config, addresses swapped. */
export function deployHaproxyBlock(): string {
  const deploy = readFileSync(join(REPO, 'docs', 'deploy.md'), 'utf8');
  const block = /```haproxy\n([\s\S]*?)```/.exec(deploy)?.[1];
  if (!block) throw new Error('docs/deploy.md has no ```haproxy block');
  return block;
}

/**
 * The documented config with its `bind` line listening on `port` (plain HTTP on loopback: the
 * tests have no certificate) and its `server` lines replaced by the replicas' addresses. Nothing
 * else changes, so what the tests exercise is what the docs tell operators to run.
 */
export function haproxyConfigFor(block: string, port: number, replicas: readonly string[]): string {
  const lines = block.split('\n');
  const out: string[] = [];
  let serversDone = false;
  for (const line of lines) {
    if (/^\s*bind\s/.test(line)) {
      out.push(`    bind 127.0.0.1:${port}`);
      continue;
    }
    const server = /^(\s*)server\s+\S+\s+\S+(.*)$/.exec(line);
    if (server) {
      if (!serversDone) {
        replicas.forEach((url, i) => {
          const u = new URL(url);
          out.push(`${server[1]}server gw${i + 1} ${u.hostname}:${u.port}${server[2]}`);
        });
        serversDone = true;
      }
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

export interface Replicas {
  /** The load balancer's base URL (`http://127.0.0.1:PORT`): what clients use. */
  readonly url: string;
  readonly db: PgDatabase;
  readonly replicas: readonly ServeProcess[];
  /** Replica ids (`audit.replicaId`), in the order of `replicas`. */
  readonly ids: readonly string[];
  /** Each replica's config file (rewrite it and send SIGHUP to reload). */
  readonly configs: readonly string[];
  /** Each replica's scale-out tag (random per process; it prefixes the event ids it writes). */
  readonly tags: readonly string[];
  /** The load balancer's own log (HAProxy's or nginx's, per `balancer`). */
  readonly haproxyLog: readonly string[];
  stop(): Promise<void>;
}

export interface ReplicasOptions {
  readonly count?: number;
  /** The config of one replica; `base` has `store`, `audit` (its own replicaId) and `server`. */
  readonly config: (base: string, replicaId: string) => string;
  readonly db?: PgDatabase;
  /** Environment of every replica (secrets the config references). */
  readonly env?: Record<string, string>;
  /** More keys of each replica's `server` section (`sessionIdleTimeout: 4s`). */
  readonly server?: string;
  /** The load balancer's port, when the config must name it (`auth.resource`); default: a free one. */
  readonly port?: number;
  /** Which of docs/deploy.md's load-balancer configs runs in front: HAProxy (default) or nginx. */
  readonly balancer?: 'haproxy' | 'nginx';
}

/**
 * N `mcpgate serve` replicas on one real Postgres behind Debian's HAProxy (or nginx), configured
 * by docs/deploy.md's load-balancer section (round-robin, no stickiness). Each replica has its own
 * directory (signing key) and audit replica id. `stop()` kills everything and drops the database.
 */
export async function startReplicas(opts: ReplicasOptions): Promise<Replicas> {
  const balancer = opts.balancer ?? 'haproxy';
  if (balancer === 'haproxy' && !existsSync(HAPROXY))
    throw new Error(`${HAPROXY} is missing: install Debian's haproxy (.ci/run does) to run this test`);
  const count = opts.count ?? 3;
  const db = opts.db ?? (await pgSchema({ prefix: 'mcpgate_replicas' }));
  const ids = Array.from({ length: count }, (_, i) => `gw-${i + 1}`);
  const replicas: ServeProcess[] = [];
  const configs: string[] = [];
  let haproxy: ChildProcess | undefined;
  let nginx: ReturnType<typeof startNginx> | undefined;
  let haproxyLog: string[] = [];
  const stop = async (): Promise<void> => {
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((r) => haproxy!.once('exit', r));
      haproxy.kill('SIGKILL');
      await exited;
    }
    await nginx?.stop();
    await Promise.allSettled(replicas.map((r) => r.stop('SIGKILL')));
    if (!opts.db) await db.drop();
  };
  try {
    // The first replica migrates alone, so the others start on a ready schema.
    for (const id of ids) {
      const base = `
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key, replicaId: ${id} }
server: { port: 0${opts.server ? `, ${opts.server}` : ''} }
`;
      const config = writeConfig(opts.config(base, id), mkdtempSync(join(tmpdir(), `mcpgate-${id}-`)));
      configs.push(config);
      replicas.push(await startServe(config, opts.env));
    }
    const port = opts.port ?? (await freePort());
    const urls = replicas.map((r) => r.url);
    if (balancer === 'nginx') {
      nginx = startNginx(nginxLbConfigFor(deployNginxLbBlock(), port, urls));
      haproxyLog = nginx.log;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'mcpgate-haproxy-'));
      const cfg = join(dir, 'haproxy.cfg');
      writeFileSync(cfg, haproxyConfigFor(deployHaproxyBlock(), port, urls));
      // -db: stay in the foreground, log to stderr; -W is not needed for one process.
      haproxy = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
      for (const s of [haproxy.stdout!, haproxy.stderr!])
        s.on('data', (d: Buffer) => haproxyLog.push(...d.toString('utf8').split('\n').filter(Boolean)));
    }
    const url = `http://127.0.0.1:${port}`;
    const exitCode = () => (nginx ? nginx.exitCode() : haproxy!.exitCode);
    await waitFor(
      async () => {
        if (exitCode() !== null) throw new Error(`${balancer} exited:\n${haproxyLog.join('\n')}`);
        // A gateway answers GET /mcp with 405 (no session) or 401 (no credential); haproxy
        // itself says 503 while no replica is up (nginx: 502).
        const r = await fetch(`${url}/mcp`).catch(() => undefined);
        return r?.status === 405 || r?.status === 401 ? true : undefined;
      },
      20_000,
      `${balancer} to forward /mcp to a replica`,
    );
    const tags = replicas.map((r) => {
      const line = logged(r, 'scale-out: sessions shared through the store')[0];
      if (typeof line?.replica !== 'string') throw new Error(`replica ${r.url} logged no scale-out tag`);
      return line.replica;
    });
    return { url, db, replicas, ids, configs, tags, haproxyLog, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Lines of a replica's log (pino JSON) whose `msg` is `msg`. */
export function logged(r: ServeProcess, msg: string): Array<Record<string, unknown>> {
  return r.stderr
    .filter((l) => l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.msg === msg);
}

/**
 * The replica config most scale-out tests use: server-everything (legacy era, alias `ev`) and the
 * mutable test server (alias `mu`, whose tools change on demand), everything allowed.
 */
export function everythingAndMutable(base: string): string {
  return `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
  mutable:
    alias: mu
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(mutableServerBin())}]
${base}
policy: { default: allow }
`;
}
