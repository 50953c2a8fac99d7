/**
 * Scale-out: session ids the shared store does not know (never issued, or ended), remembered
 * briefly so a client — or an attacker — repeating one costs no database read. A flood of
 * `Mcp-Session-Id`s would otherwise be a flood of SELECTs; now each distinct id costs one.
 *
 * Why a remembered "unknown" cannot hide a live session (the property that lets a session opened
 * on replica A be served by replica B at once):
 * - An id is random (a UUID v4, 122 random bits) and is given to the client only in the answer to
 *   `initialize`, which leaves only after the session's row is committed (see
 *   StreamableTransportOptions.onInitialized). Any request carrying a real id therefore starts
 *   after that commit, and its read (a new snapshot per statement) sees the row.
 * - So a replica can only have read "no such row" for an id that was later issued if someone
 *   presented the id before it existed: guessed 122 random bits. Not a case to design for.
 * - An ended session never comes back (`ended_at` is set once), so "ended" is permanent truth.
 * - A read that fails is not remembered (the error is answered 503, the next request reads again).
 * The time limit is not needed for correctness; it keeps an entry from outliving any assumption
 * above being changed later, and the size cap keeps a flood of distinct ids from growing memory
 * (the oldest entries go first).
 */
export class UnknownSessions {
  /** id hash → time its entry expires; Map order is insertion order, so the oldest come first. */
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly max = 10_000,
  ) {}

  has(idHash: string, now = Date.now()): boolean {
    const until = this.entries.get(idHash);
    if (until === undefined) return false;
    if (until > now) return true;
    this.entries.delete(idHash);
    return false;
  }

  add(idHash: string, now = Date.now()): void {
    this.entries.delete(idHash);
    // Every entry lives as long, so the first ones are both the oldest and the first to expire.
    for (const [k, until] of this.entries) {
      if (this.entries.size < this.max && until > now) break;
      this.entries.delete(k);
    }
    this.entries.set(idHash, now + this.ttlMs);
  }

  /** A session was created under this id here (it cannot have been cached, see above; cheap to be sure). */
  delete(idHash: string): void {
    this.entries.delete(idHash);
  }

  get size(): number {
    return this.entries.size;
  }
}
