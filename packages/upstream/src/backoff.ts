/** Exponential backoff: `initial · 2^(attempt-1)`, capped at `max` (attempt counts from 1). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(initialMs * 2 ** exp, maxMs);
}

/** A timer that can be cancelled and never keeps the process alive on its own. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
