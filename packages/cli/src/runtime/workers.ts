import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import type { GatewayConfig } from '@mcpgate/config';

export type WorkerCount =
  | { readonly ok: true; readonly count: number; readonly why: string }
  | { readonly ok: false; readonly error: string };

/**
 * How many worker processes `serve` runs (`server.workers`, or `--workers`). Workers are replicas
 * of docs/decisions/0004 behind one port: they need the shared Postgres store, and a session must
 * be servable by any of them. So the embedded store (one process may open it), per-session
 * upstreams (their state lives in the worker that opened the session, and the kernel's
 * round-robin cannot route a session back to it) allow one worker: `auto` means 1 there, an
 * explicit larger number is an error that says why. (Per-user OAuth flows need nothing: a started
 * authorization is a row of mcpgate_oauth_pending, so its redirect may reach any worker.)
 */
export function resolveWorkerCount(
  config: GatewayConfig,
  flag: string | undefined,
  cpus: number = cpuBudget(),
): WorkerCount {
  let asked: number | 'auto' = config.server.workers;
  let source = 'server.workers';
  if (flag !== undefined) {
    source = '--workers';
    if (flag === 'auto') asked = 'auto';
    else if (/^[1-9][0-9]{0,2}$/.test(flag) && Number(flag) <= 256) asked = Number(flag);
    else return { ok: false, error: `--workers must be auto or a number 1…256, got ${JSON.stringify(flag)}` };
  }
  const single = singleProcessReason(config);
  if (asked === 'auto') {
    if (single) return { ok: true, count: 1, why: `${source} auto: 1 worker (${single})` };
    return { ok: true, count: cpus, why: `${source} auto: one per CPU` };
  }
  if (asked > 1 && single)
    return {
      ok: false,
      error: `${source} is ${asked}, but only 1 worker is possible: ${single}; set ${source} to 1 or auto`,
    };
  return { ok: true, count: asked, why: `${source}: ${asked}` };
}

function singleProcessReason(config: GatewayConfig): string | undefined {
  if (!config.store.url)
    return 'the embedded store can be opened by one process only; several workers need store.url (PostgreSQL)';
  const perSession = config.upstreams.filter((u) => u.sharing === 'per-session').map((u) => u.name);
  if (perSession.length > 0)
    return `upstream ${perSession.join(', ')} is sharing: per-session, so its sessions live in one process`;
  return undefined;
}

/**
 * Worker k's audit replica id: `<replicaId>.w<k>` (the host name when `audit.replicaId` is unset),
 * within the 64 characters the chain allows. Distinct per worker, because a starting writer treats
 * earlier chains of its own replica id as dead and recovers them; stable per slot, so a restarted
 * worker recovers exactly the chain of the one it replaces.
 */
export function workerReplicaId(base: string | undefined, k: number): string {
  const suffix = `.w${k}`;
  const name = (base ?? hostname()).replace(/[^A-Za-z0-9._-]/g, '-');
  return name.slice(0, 64 - suffix.length) + suffix;
}

/**
 * CPUs this process may use: the ones it may run on, and no more than a cgroup v2 CPU quota (a
 * container's CPU limit) allows, rounded up.
 */
export function cpuBudget(cpuMax = '/sys/fs/cgroup/cpu.max'): number {
  const cpus = availableParallelism();
  try {
    const [quota, period] = readFileSync(cpuMax, 'utf8').trim().split(/\s+/);
    if (quota === undefined || quota === 'max' || !Number(period)) return cpus;
    return Math.max(1, Math.min(cpus, Math.ceil(Number(quota) / Number(period))));
  } catch {
    return cpus;
  }
}
