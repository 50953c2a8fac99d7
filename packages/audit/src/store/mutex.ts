/**
 * A FIFO async lock. PGlite is one connection: a statement issued while another caller's
 * transaction is open would run inside that transaction, so every use is serialized here.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
