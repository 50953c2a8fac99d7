import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@mcpgate/core';
import { mergeExpositions } from './worker-metrics.js';
import { WORKER_PORT_ENV, WORKER_SLOT_ENV, type ToPrimary, type ToWorker } from './cluster-messages.js';

/** A worker that ran this long before it died is restarted at once; one dying sooner waits longer each time. */
const STABLE_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;
/** How long the primary waits for the workers' metrics before answering with those it has. */
const METRICS_TIMEOUT_MS = 2_000;

interface Slot {
  readonly k: number;
  worker?: Worker;
  listening: boolean;
  /** Crashes in a row, each within STABLE_MS of its start: the backoff's exponent. */
  quickCrashes: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

export interface PrimaryOptions {
  readonly count: number;
  /** The port every worker listens on (not 0: each worker's listen(0) would get its own). */
  readonly port: number;
  /** Why this many (`server.workers auto: one per CPU`), for the startup line. */
  readonly why: string;
  readonly logger: Logger;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * The cluster primary of `serve --workers N`: it opens nothing and serves nothing. It forks the
 * workers (each re-runs this command as a replica, see serve.ts), shares the listening socket with
 * them (the kernel's round-robin, Node's default on Linux), restarts one that dies (with backoff),
 * forwards SIGHUP, and on SIGTERM/SIGINT tells every worker to drain and waits for all of them.
 * Resolves with the exit code.
 */
export function runPrimary(opts: PrimaryOptions): Promise<number> {
  const log = opts.logger.child({ component: 'workers' });
  const slots: Slot[] = Array.from({ length: opts.count }, (_, i) => ({
    k: i + 1,
    listening: false,
    quickCrashes: 0,
    startedAt: 0,
  }));
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let url = '';
  let failed = false;
  let othersForked = false;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  const pendingMetrics = new Map<
    number,
    { parts: Array<{ worker: string; text: string }>; left: number; finish: () => void }
  >();
  let metricsSeq = 0;

  const send = (w: Worker | undefined, msg: ToWorker): void => {
    if (w?.isConnected()) w.send(msg);
  };

  const fork = (slot: Slot): void => {
    slot.timer = undefined;
    slot.listening = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot.k), [WORKER_PORT_ENV]: String(opts.port) });
    slot.worker = worker;
    worker.on('message', (msg: ToPrimary) => onMessage(slot, worker, msg));
    worker.once('exit', (code, signal) => onExit(slot, worker, code, signal));
    // A message to a worker that is just dying fails; its exit is handled above, so only log.
    worker.on('error', (err) =>
      log.warn({ worker: slot.k, err: err.message }, `worker ${slot.k}: message not delivered`),
    );
  };

  const onMessage = (slot: Slot, worker: Worker, msg: ToPrimary): void => {
    if (msg?.mcpgate === 'listening') {
      slot.listening = true;
      url = msg.url;
      // Worker 1 starts alone: it migrates the schema and creates the signing key file, if
      // missing, before the others open the same store and read the same file.
      if (phase === 'starting' && !othersForked) {
        othersForked = true;
        for (const s of slots.slice(1)) fork(s);
      }
      if (phase === 'starting' && slots.every((s) => s.listening)) {
        phase = 'running';
        log.info({ url, workers: opts.count }, `listening on ${url}`);
      } else if (phase === 'running') {
        log.info({ worker: slot.k, workerPid: worker.process.pid }, `worker ${slot.k} restarted`);
      }
    } else if (msg?.mcpgate === 'metrics?') {
      collectMetrics((text) => send(worker, { mcpgate: 'metrics', id: msg.id, text }));
    } else if (msg?.mcpgate === 'rendered') {
      const p = pendingMetrics.get(msg.id);
      if (p) {
        p.parts.push({ worker: String(slot.k), text: msg.text });
        if (--p.left === 0) p.finish();
      }
    }
  };

  const collectMetrics = (reply: (text: string) => void): void => {
    const id = ++metricsSeq;
    const live = slots.filter((s) => s.listening && s.worker?.isConnected());
    const parts: Array<{ worker: string; text: string }> = [];
    const finish = (): void => {
      clearTimeout(timer);
      pendingMetrics.delete(id);
      parts.sort((a, b) => Number(a.worker) - Number(b.worker));
      reply(mergeExpositions(parts));
    };
    const timer = setTimeout(finish, METRICS_TIMEOUT_MS);
    pendingMetrics.set(id, { parts, left: live.length, finish });
    for (const s of live) send(s.worker, { mcpgate: 'render', id });
    if (live.length === 0) finish();
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    if (slot.worker !== worker) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    slot.worker = undefined;
    if (phase === 'stopping') {
      if (code !== 0) {
        failed = true;
        log.error({ worker: slot.k, code, signal }, `worker ${slot.k} exited with ${how} while stopping`);
      }
      if (slots.every((s) => !s.worker)) resolveDone(failed ? 1 : 0);
      return;
    }
    if (!slot.listening && phase === 'starting') {
      // A worker that cannot start (store unreachable, port taken) will not do better on retry.
      const msg = `worker ${slot.k} exited with ${how} before it was ready (its error is above); stopping`;
      log.error({ worker: slot.k, code, signal }, msg);
      opts.stderr.write(`mcpgate serve: ${msg}\n`);
      failed = true;
      stop('startup failure');
      return;
    }
    slot.quickCrashes = Date.now() - slot.startedAt >= STABLE_MS ? 1 : slot.quickCrashes + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (slot.quickCrashes - 1));
    log.warn(
      { worker: slot.k, workerPid: worker.process.pid, code, signal, restartInMs: delay },
      `worker ${slot.k} died (${how}); restarting it in ${delay / 1000}s`,
    );
    slot.listening = false;
    slot.timer = setTimeout(() => fork(slot), delay);
  };

  const stop = (reason: string): void => {
    if (phase === 'stopping') return;
    phase = 'stopping';
    log.info({ reason, workers: slots.filter((s) => s.worker).length }, 'stopping the workers');
    for (const s of slots) {
      clearTimeout(s.timer);
      s.timer = undefined;
      send(s.worker, { mcpgate: 'shutdown', reason });
    }
    // Every worker may be dead already, waiting for its restart.
    if (slots.every((s) => !s.worker)) resolveDone(failed ? 1 : 0);
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    if (phase !== 'stopping') return stop(sig);
    // A second SIGTERM/SIGINT: stop now, as a single process does.
    log.warn({ reason: sig }, 'second signal: killing the workers');
    for (const s of slots) s.worker?.process.kill('SIGKILL');
  };
  const onHup = (): void => {
    for (const s of slots) s.worker?.process.kill('SIGHUP');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHup);

  log.info({ workers: opts.count }, `starting ${opts.count} workers on one port (${opts.why})`);
  fork(slots[0]!);
  return done.then((code) => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHup);
    log.info({ code }, 'stopped');
    return code;
  });
}
