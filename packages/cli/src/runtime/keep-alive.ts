/**
 * Runs `fn` with the event loop held open. Shutdown awaits work that may sit behind unref'd
 * timers (an upstream's kill grace period, a pool's idle timer); without a ref'd handle Node
 * would exit mid-shutdown — before the audit's final checkpoint is signed.
 */
export async function whileAlive<T>(fn: () => Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 60_000);
  try {
    return await fn();
  } finally {
    clearInterval(hold);
  }
}
