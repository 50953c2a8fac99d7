/** The environment variable that tells a forked `serve` which worker slot (1…N) it fills. */
export const WORKER_SLOT_ENV = 'MCPGATE_WORKER_SLOT';
/** The port the workers share (the primary picks one for `server.port: 0`). */
export const WORKER_PORT_ENV = 'MCPGATE_WORKER_PORT';

/** Messages from a worker to the cluster primary. */
export type ToPrimary =
  | { readonly mcpgate: 'listening'; readonly url: string }
  /** A scrape reached this worker: the primary answers with every worker's metrics. */
  | { readonly mcpgate: 'metrics?'; readonly id: number }
  | { readonly mcpgate: 'rendered'; readonly id: number; readonly text: string };

/** Messages from the cluster primary to a worker. */
export type ToWorker =
  | { readonly mcpgate: 'shutdown'; readonly reason: string }
  | { readonly mcpgate: 'render'; readonly id: number }
  | { readonly mcpgate: 'metrics'; readonly id: number; readonly text: string };
