import type { SqlClient } from '@mcpgate/core';

/**
 * Fixed-window counters: `hit` adds one call to the window starting at `windowStart` and returns
 * the window's count including it. Shared through the store (SqlRateCounter) or per process
 * (MemoryRateCounter).
 */
export interface RateCounter {
  hit(key: string, windowStart: number, windowMs: number): Promise<number>;
}

/** Per process: right for a single gateway or when no store is configured; N replicas allow N×. */
export class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, { start: number; end: number; count: number }>();

  hit(key: string, windowStart: number, windowMs: number): Promise<number> {
    const w = this.windows.get(key);
    if (w && w.start === windowStart) {
      w.count++;
      return Promise.resolve(w.count);
    }
    if (this.windows.size > 100_000) this.prune(windowStart);
    this.windows.set(key, { start: windowStart, end: windowStart + windowMs, count: 1 });
    return Promise.resolve(1);
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.end <= now) this.windows.delete(k);
  }
}

/**
 * Shared by every replica on one database (migration 0012): one atomic upsert per call and
 * window, so concurrent replicas never both take the last slot. Old windows are pruned now and
 * then by whoever is counting.
 */
export class SqlRateCounter implements RateCounter {
  private hits = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly pruneEvery = 1000,
  ) {}

  async hit(key: string, windowStart: number, windowMs: number): Promise<number> {
    const r = await this.sql.query<{ count: number | string }>(
      `INSERT INTO mcpgate_rate_counters (key, window_start, count, expires_at)
       VALUES ($1, $2::timestamptz, 1, $3::timestamptz)
       ON CONFLICT (key, window_start) DO UPDATE SET count = mcpgate_rate_counters.count + 1
       RETURNING count`,
      [key, new Date(windowStart).toISOString(), new Date(windowStart + windowMs).toISOString()],
    );
    if (++this.hits % this.pruneEvery === 0) {
      await this.sql.query(`DELETE FROM mcpgate_rate_counters WHERE expires_at < $1::timestamptz`, [
        new Date(windowStart).toISOString(),
      ]);
    }
    return Number(r.rows[0]!.count);
  }
}
