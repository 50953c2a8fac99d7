import type { ServerResponse } from 'node:http';
import type { Logger } from '@mcpgate/core';

/**
 * The HTTP face's graceful stop, in the order a load balancer needs it (docs/deploy.md,
 * "Rolling restart"):
 *
 * 1. `announce`: `/readyz` answers 503 while requests are still served normally, for
 *    `server.drainDelay` — long enough for the load balancer's health check to mark the replica
 *    down, so it stops sending before anything is refused. Every answer meanwhile closes its
 *    connection: a load balancer keeping idle connections to this replica would otherwise send
 *    a request on one just as the replica closes it, and that request could not be told apart
 *    from one the replica received.
 * 2. `refuse`: the face has closed its listener (a new connection is refused, which a load
 *    balancer retries on another replica: nothing was sent); a request on a connection still open
 *    gets 503 `Retry-After` before anything runs; requests in flight get `server.shutdownGrace`
 *    to finish.
 *
 * Long-lived GET streams are not "in flight": they are handed over when the sessions are.
 */
export class Drain {
  /** `/readyz` answers 503 (from SIGTERM on). */
  unready = false;
  /** New requests get 503 (from the moment the listener is closed). */
  refusing = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  /** Every request, as it arrives; `counted`: it produces a result the drain waits for. */
  begin(res: ServerResponse, counted: boolean): void {
    if (this.unready) res.setHeader('connection', 'close');
    if (!counted) return;
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    });
  }

  /** Step 1: unready for `delayMs`, still serving. */
  async announce(delayMs: number, log: Logger): Promise<void> {
    this.unready = true;
    log.info({ drainDelayMs: delayMs }, 'draining: /readyz answers 503 until this replica stops');
    // Not unref'd: the process must stay up for the whole delay.
    if (delayMs > 0) await new Promise<void>((r) => setTimeout(r, delayMs));
  }

  /** Step 2 (after the listener is closed): refuse, and wait for requests in flight. */
  async refuse(graceMs: number, log: Logger): Promise<void> {
    this.refusing = true;
    log.info({ inFlight: this.inFlight }, 'draining: no longer accepting connections');
    if (this.inFlight === 0) return;
    log.info({ inFlight: this.inFlight, graceMs }, 'draining in-flight requests');
    await Promise.race([
      new Promise<void>((r) => (this.idle = r)),
      new Promise<void>((r) => setTimeout(r, graceMs).unref()),
    ]);
  }
}
