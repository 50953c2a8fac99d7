import cluster from 'node:cluster';
import { WORKER_PORT_ENV, WORKER_SLOT_ENV, type ToPrimary, type ToWorker } from './cluster-messages.js';

/** Longer than the primary's own wait for the other workers, so its answer normally arrives. */
const METRICS_TIMEOUT_MS = 3_000;

/** A `serve` worker's line to the cluster primary. */
export interface WorkerLink {
  /** 1…N, stable across restarts of this slot. */
  readonly slot: number;
  /** The port the workers share (it replaces `server.port` and `--port`). */
  readonly port: number | undefined;
  /** Tells the primary this worker accepts connections. */
  listening(url: string): void;
  /** Resolves when the primary asks this worker to drain. */
  readonly shutdown: Promise<string>;
  /** `/metrics`: every worker's exposition through the primary (this one's alone if it does not answer). */
  metricsText(): Promise<string>;
  /** Lets the process exit: the IPC channel would keep it alive. */
  close(): void;
}

/** The link when this process is a cluster worker forked by `serve`, else undefined. */
export function workerLink(render: () => string): WorkerLink | undefined {
  if (!cluster.isWorker || !process.send) return undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV]);
  if (!Number.isInteger(slot) || slot < 1) return undefined;
  const send = (msg: ToPrimary): void => {
    if (process.connected) process.send!(msg);
  };
  const waiting = new Map<number, (text: string) => void>();
  let seq = 0;
  let resolveShutdown: (reason: string) => void = () => undefined;
  const shutdown = new Promise<string>((r) => (resolveShutdown = r));
  const onMessage = (msg: ToWorker): void => {
    if (msg?.mcpgate === 'shutdown') resolveShutdown(msg.reason);
    else if (msg?.mcpgate === 'render') send({ mcpgate: 'rendered', id: msg.id, text: render() });
    else if (msg?.mcpgate === 'metrics') waiting.get(msg.id)?.(msg.text);
  };
  // (When the primary dies, Node's cluster code exits the worker at once.)
  process.on('message', onMessage);
  const port = process.env[WORKER_PORT_ENV] ? Number(process.env[WORKER_PORT_ENV]) : undefined;
  return {
    slot,
    port,
    listening: (url) => send({ mcpgate: 'listening', url }),
    shutdown,
    metricsText: () =>
      new Promise((resolve) => {
        const id = ++seq;
        const finish = (text: string): void => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(text);
        };
        const timer = setTimeout(() => finish(render()), METRICS_TIMEOUT_MS);
        waiting.set(id, finish);
        send({ mcpgate: 'metrics?', id });
      }),
    close: () => {
      process.off('message', onMessage);
      // Not process.disconnect(): Node's cluster code takes that for a lost primary and exits 0,
      // hiding this worker's exit code from the primary.
      if (process.connected) cluster.worker?.disconnect();
    },
  };
}
