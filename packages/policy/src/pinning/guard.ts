import type {
  CallTarget,
  Catalog,
  CatalogEntry,
  CatalogKind,
  JsonObject,
  SessionInfo,
  UpstreamPool,
  VisibilityFilter,
} from '@mcpgate/core';
import { POLICY_EVENTS, type PolicyAuditSink } from '../audit-sink.js';
import type { PinningMode, PolicyConfig } from '../config.js';
import type { PinningGuard } from '../step/hooks.js';
import { definitionHash, diffDefinitions, pinnedDefinition, type FieldChange } from './definition.js';
import { pinStatus, type PinRecord, type PinStatus, type PinStore } from './types.js';

export interface ToolPinningOptions {
  readonly store: PinStore;
  /** Mode per upstream (from `policy.pinning`). */
  readonly mode: (upstream: string) => PinningMode;
  readonly audit: PolicyAuditSink;
  /**
   * The gateway's current catalog. With it, a call is checked against the definition being
   * served right now, not the one last observed — no window after an upstream changes a tool.
   */
  readonly catalog?: () => Catalog;
  readonly clock?: () => Date;
}

/** `policy.pinning` as a per-upstream lookup. */
export function pinningModeOf(config: PolicyConfig): (upstream: string) => PinningMode {
  return (upstream) => config.pinning.upstreams[upstream] ?? config.pinning.default;
}

export interface PinChange {
  readonly upstream: string;
  readonly tool: string;
  readonly kind: 'trusted' | 'new' | 'changed' | 'reverted';
}

export interface PinDiff {
  readonly upstream: string;
  readonly tool: string;
  readonly status: PinStatus;
  readonly mode: PinningMode;
  readonly changes: readonly FieldChange[];
  readonly seenAt: Date;
  /** Hash of the definition seen now: approving with it accepts exactly what was reviewed. */
  readonly hash: string;
  /** The whole accepted definition (none for a new tool) and the whole current one, for a side-by-side view. */
  readonly approved: JsonObject | null;
  readonly current: JsonObject;
}

/**
 * Tool pinning against tool poisoning and rug pulls. The first time an upstream is seen its tools
 * are trusted as they are (trust on first use, audited as `pin.trusted`); afterwards a changed or
 * new definition is recorded and, under `block`, hidden from lists and refused like a missing
 * tool until an operator approves it (`mcpgate tools approve`). `warn` records and audits only.
 */
export class ToolPinning implements PinningGuard, VisibilityFilter {
  private pins = new Map<string, Map<string, PinRecord>>();
  private readonly clock: () => Date;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly opts: ToolPinningOptions) {
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Loads pins and follows changes made elsewhere (the CLI, other replicas). */
  async start(): Promise<void> {
    await this.reload();
    this.unsubscribe = await this.opts.store.onChange(() => void this.reload().catch(() => undefined));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  async reload(): Promise<void> {
    const next = new Map<string, Map<string, PinRecord>>();
    for (const p of await this.opts.store.load()) {
      let m = next.get(p.upstream);
      if (!m) next.set(p.upstream, (m = new Map<string, PinRecord>()));
      m.set(p.tool, p);
    }
    this.pins = next;
  }

  /**
   * Records what an upstream offers now (call at start and on every tools list_changed).
   * Returns what changed; each change is audited before this resolves.
   */
  async observe(upstream: string, tools: readonly JsonObject[]): Promise<PinChange[]> {
    const mode = this.opts.mode(upstream);
    if (mode === 'off') return [];
    const now = this.clock();
    const known = this.pins.get(upstream);
    const firstSight = known === undefined || known.size === 0;
    const changes: PinChange[] = [];
    for (const tool of tools) {
      const name = typeof tool.name === 'string' ? tool.name : undefined;
      if (name === undefined) continue;
      const hash = definitionHash(tool);
      const prev = known?.get(name);
      if (prev && prev.seenHash === hash) continue;
      const definition = pinnedDefinition(tool);
      await this.opts.store.saveSeen(upstream, name, hash, definition, now, firstSight);
      const kind: PinChange['kind'] = firstSight
        ? 'trusted'
        : !prev
          ? 'new'
          : prev.approvedHash === hash
            ? 'reverted'
            : 'changed';
      changes.push({ upstream, tool: name, kind });
      if (kind === 'trusted') continue;
      await this.opts.audit.record(kind === 'new' ? POLICY_EVENTS.pinNew : POLICY_EVENTS.pinChanged, {
        actor: 'mcpgate',
        upstream,
        tool: name,
        mode,
        hash,
        ...(prev ? { previousHash: prev.seenHash, approvedHash: prev.approvedHash ?? null } : {}),
        fields: diffDefinitions(prev?.approvedDefinition ?? prev?.seenDefinition, definition).map(
          (c) => c.field,
        ),
        reverted: kind === 'reverted',
        blocked: mode === 'block' && kind !== 'reverted',
      });
    }
    if (firstSight && changes.length > 0) {
      await this.opts.audit.record(POLICY_EVENTS.pinTrusted, {
        actor: 'mcpgate',
        upstream,
        mode,
        tools: changes.map((c) => c.tool),
      });
    }
    if (changes.length > 0) {
      await this.reload();
      await this.opts.store.notifyChange();
    }
    return changes;
  }

  /**
   * Observes every upstream of the pool now and again on each tools list_changed. Errors go to
   * `onError` (the store may be down): the in-memory pins keep deciding meanwhile.
   */
  async attach(pool: UpstreamPool, onError: (err: unknown, upstream: string) => void): Promise<void> {
    pool.onEvent((e) => {
      if (e.type !== 'list_changed' || e.kind !== 'tools') return;
      this.observe(e.upstream, pool.catalog(e.upstream).tools).catch((err: unknown) =>
        onError(err, e.upstream),
      );
    });
    for (const name of pool.names()) {
      try {
        await this.observe(name, pool.catalog(name).tools);
      } catch (err) {
        onError(err, name);
      }
    }
  }

  /** Whether this definition may be shown and called under the upstream's mode. */
  allows(upstream: string, name: string, definition: JsonObject | undefined): boolean {
    if (this.opts.mode(upstream) !== 'block') return true;
    const pin = this.pins.get(upstream)?.get(name);
    // Fail-closed: never seen (not observed yet) or never approved means not shown.
    if (!pin?.approvedHash) return false;
    const hash = definition ? definitionHash(definition) : pin.seenHash;
    return hash === pin.approvedHash;
  }

  blocks(target: CallTarget): boolean {
    if (target.kind !== 'tool' || target.upstream === undefined || target.name === undefined) return false;
    const entry = target.exposedName ? this.opts.catalog?.().tools.get(target.exposedName) : undefined;
    return !this.allows(target.upstream, target.name, entry?.original);
  }

  visible(_session: SessionInfo, kind: CatalogKind, entry: CatalogEntry): boolean {
    if (kind !== 'tools') return true;
    return this.allows(entry.upstream, entry.name, entry.original);
  }

  /** What differs from the accepted definitions (everything not pinned). */
  async diff(upstream?: string): Promise<PinDiff[]> {
    const rows = await this.opts.store.load(upstream);
    return rows
      .filter((p) => pinStatus(p) !== 'pinned')
      .map((p) => ({
        upstream: p.upstream,
        tool: p.tool,
        status: pinStatus(p),
        mode: this.opts.mode(p.upstream),
        changes: diffDefinitions(p.approvedDefinition, p.seenDefinition),
        seenAt: p.changedAt,
        hash: p.seenHash,
        approved: p.approvedDefinition ?? null,
        current: p.seenDefinition,
      }));
  }

  /**
   * Accepts the current definition of one tool, or of every unpinned tool of an upstream (`*`).
   * With `hash`, only a definition that still has that hash (the one the operator looked at): a
   * change that lands between the review and the click is not approved unseen.
   */
  async approve(upstream: string, tool: string, by: string, hash?: string): Promise<string[]> {
    const rows = (await this.opts.store.load(upstream)).filter(
      (p) =>
        pinStatus(p) !== 'pinned' &&
        (tool === '*' || p.tool === tool) &&
        (hash === undefined || p.seenHash === hash),
    );
    const done: string[] = [];
    for (const p of rows) {
      if (!(await this.opts.store.approve(upstream, p.tool, p.seenHash, by, this.clock()))) continue;
      await this.opts.audit.record(POLICY_EVENTS.pinApproved, {
        actor: by,
        upstream,
        tool: p.tool,
        hash: p.seenHash,
        previousHash: p.approvedHash ?? null,
      });
      done.push(p.tool);
    }
    if (done.length > 0) {
      await this.reload();
      await this.opts.store.notifyChange();
    }
    return done;
  }
}
