import type { Logger } from '@mcpgate/core';
import { silentLogger } from '@mcpgate/core';
import { toSignedCheckpoint, type SignedCheckpoint } from '../merkle/proof-file.js';
import type { CheckpointRow } from '../recorder/recorder.js';
import type { Witness } from './types.js';

export interface WitnessStats {
  readonly witness: string;
  readonly published: number;
  readonly failures: number;
  /** Copies waiting to be (re)published. */
  readonly pending: number;
  readonly dropped: number;
}

interface Lane {
  readonly witness: Witness;
  queue: SignedCheckpoint[];
  running: Promise<void> | undefined;
  published: number;
  failures: number;
  dropped: number;
}

/**
 * Publishes every checkpoint to each configured witness, in order, in the background. A witness
 * that fails never blocks or fails a call: the failure is logged and counted, the copy stays
 * queued (up to `maxPending` per witness, oldest dropped first) and is retried with the next
 * checkpoint and on a timer, so a witness that comes back receives what it missed.
 */
export class WitnessPublisher {
  private readonly lanes: Lane[];
  private readonly log: Logger;
  private readonly timer: NodeJS.Timeout;

  constructor(
    witnesses: readonly Witness[],
    opts: { logger?: Logger; maxPending?: number; retryMs?: number } = {},
  ) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'audit-witness' });
    this.maxPending = opts.maxPending ?? 10_000;
    this.lanes = witnesses.map((witness) => ({
      witness,
      queue: [],
      running: undefined,
      published: 0,
      failures: 0,
      dropped: 0,
    }));
    this.timer = setInterval(() => {
      for (const l of this.lanes) if (l.queue.length > 0) this.drain(l);
    }, opts.retryMs ?? 30_000);
    this.timer.unref();
  }

  private readonly maxPending: number;

  /** For AuditRecorder's onCheckpoint: never throws, never waits. */
  publish(row: CheckpointRow): void {
    const cp = toSignedCheckpoint(row);
    for (const l of this.lanes) {
      l.queue.push(cp);
      if (l.queue.length > this.maxPending) {
        l.queue.shift();
        l.dropped++;
      }
      this.drain(l);
    }
  }

  private drain(l: Lane): void {
    l.running ??= (async () => {
      while (l.queue.length > 0) {
        const cp = l.queue[0]!;
        try {
          await l.witness.publish(cp);
          l.queue.shift();
          l.published++;
        } catch (err) {
          l.failures++;
          this.log.error(
            {
              witness: l.witness.name,
              chain: cp.chain_id,
              seq: cp.seq,
              pending: l.queue.length,
              err: err instanceof Error ? err.message : String(err),
            },
            'audit checkpoint witness failed; calls go on, the copy is retried',
          );
          return;
        }
      }
    })().finally(() => {
      l.running = undefined;
    });
  }

  stats(): WitnessStats[] {
    return this.lanes.map((l) => ({
      witness: l.witness.name,
      published: l.published,
      failures: l.failures,
      pending: l.queue.length,
      dropped: l.dropped,
    }));
  }

  /** One last attempt for what is queued (the final checkpoint), bounded by `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    clearInterval(this.timer);
    for (const l of this.lanes) if (l.queue.length > 0) this.drain(l);
    const all = Promise.all(this.lanes.map((l) => l.running ?? Promise.resolve()));
    let t: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (t = setTimeout(r, timeoutMs)))]);
    clearTimeout(t);
    for (const l of this.lanes)
      if (l.queue.length > 0)
        this.log.error(
          { witness: l.witness.name, pending: l.queue.length },
          'audit checkpoint witness: copies not published at shutdown',
        );
  }
}
