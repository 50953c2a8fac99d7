import type { Logger, SqlClient } from '@mcpgate/core';
import { silentLogger } from '@mcpgate/core';
import { claimLease, commitCursor, nextBatch, releaseLease } from './cursor.js';
import { siemRecord, type Sink } from './record.js';

export interface SinkStats {
  readonly sink: string;
  /** Records this process delivered (duplicates after a crash included). */
  readonly delivered: number;
  readonly failures: number;
  /** Whether this process holds the sink's lease (one replica delivers per sink). */
  readonly active: boolean;
}

export interface SinkRunnerOptions {
  /** Unique per process: the writer's chain id. */
  readonly owner: string;
  readonly logger?: Logger;
  /** How often to look for new records when idle (default 1 s). */
  readonly pollMs?: number;
  /** Most records per delivery (default 500). */
  readonly batchSize?: number;
  /** Lease lifetime (default 30 s): a replica that died is replaced after this long. */
  readonly leaseMs?: number;
}

interface Lane {
  readonly sink: Sink;
  delivered: number;
  failures: number;
  active: boolean;
  backoffMs: number;
  wake: (() => void) | undefined;
}

/**
 * Streams the audit to each sink: read what the sink's cursor has not covered, deliver it, then
 * commit the cursor. A crash between delivery and commit re-delivers that batch after restart
 * (at-least-once; each record's `id` is the key to drop duplicates); nothing is ever skipped.
 * A sink that fails is retried with backoff; the data path never waits for a sink.
 */
export class SinkRunner {
  private readonly lanes: Lane[];
  private readonly log: Logger;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly sql: SqlClient,
    sinks: readonly Sink[],
    private readonly opts: SinkRunnerOptions,
  ) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'audit-sink' });
    this.lanes = sinks.map((sink) => ({
      sink,
      delivered: 0,
      failures: 0,
      active: false,
      backoffMs: 0,
      wake: undefined,
    }));
  }

  start(): void {
    for (const l of this.lanes) this.loops.push(this.loop(l));
  }

  /** Delivers one batch; resolves to the number of records delivered (0: nothing new or not ours). */
  async step(l: Lane): Promise<number> {
    const { owner } = this.opts;
    l.active = await claimLease(this.sql, l.sink.name, owner, this.opts.leaseMs ?? 30_000);
    if (!l.active) return 0;
    const rows = await nextBatch(this.sql, l.sink.name, this.opts.batchSize ?? 500);
    if (rows.length === 0) return 0;
    await l.sink.send(rows.map(siemRecord));
    if (!(await commitCursor(this.sql, l.sink.name, owner, rows))) {
      l.active = false;
      this.log.warn(
        { sink: l.sink.name },
        'audit sink lease lost during delivery; another replica continues',
      );
      return 0;
    }
    l.delivered += rows.length;
    return rows.length;
  }

  private async loop(l: Lane): Promise<void> {
    while (!this.stopped) {
      let wait = this.opts.pollMs ?? 1000;
      try {
        const n = await this.step(l);
        l.backoffMs = 0;
        if (n > 0) wait = 0;
      } catch (err) {
        l.failures++;
        l.backoffMs = Math.min(30_000, Math.max(1000, l.backoffMs * 2));
        wait = l.backoffMs;
        this.log.error(
          { sink: l.sink.name, err: err instanceof Error ? err.message : String(err), retryInMs: wait },
          'audit sink delivery failed; records stay queued in the database and are retried',
        );
      }
      if (wait > 0 && !this.stopped)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          l.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
    }
  }

  stats(): SinkStats[] {
    return this.lanes.map((l) => ({
      sink: l.sink.name,
      delivered: l.delivered,
      failures: l.failures,
      active: l.active,
    }));
  }

  /**
   * Stops the loops, then delivers what is left (the writer's last records, written at its close)
   * within `timeoutMs`, and gives the leases up. What is not delivered by then is delivered by the
   * next process from the cursor.
   */
  async close(timeoutMs = 5000): Promise<void> {
    this.stopped = true;
    for (const l of this.lanes) l.wake?.();
    const deadline = Date.now() + timeoutMs;
    const finish = async (l: Lane): Promise<void> => {
      try {
        while (Date.now() < deadline && (await this.step(l)) > 0);
      } catch (err) {
        this.log.error(
          { sink: l.sink.name, err: err instanceof Error ? err.message : String(err) },
          'audit sink: final delivery failed; the next start resumes from the cursor',
        );
      }
    };
    // A hung destination must not hold shutdown past the deadline: what is not delivered by then
    // is delivered by the next start, from the cursor (a delivery still in flight when the lease is
    // given up cannot commit its cursor, so it is delivered again: the documented duplicate).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.loops).then(() => Promise.all(this.lanes.map(finish))),
      new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(timer);
    for (const l of this.lanes) {
      await releaseLease(this.sql, l.sink.name, this.opts.owner).catch(() => undefined);
      await l.sink.close?.().catch(() => undefined);
    }
  }
}
