import type { ApprovalService } from './service.js';
import { approvalsOf, type ApprovalRecord } from './types.js';

export interface WaitOptions {
  readonly signal: AbortSignal;
  /** Called with the current state when it changes and every `tickMs` while undecided (keep-alive). */
  readonly onTick?: (a: ApprovalRecord) => void;
  readonly tickMs?: number;
}

export type WaitResult =
  { readonly kind: 'decided'; readonly approval: ApprovalRecord } | { readonly kind: 'aborted' };

/**
 * Resolves once `id` leaves `requested` (approved, denied, expired, cancelled) or the signal
 * aborts. Woken by NOTIFY from any replica; re-reads on a slow poll in case one was missed, and
 * expires the approval itself at its deadline so a wait never outlives its timeout.
 */
export function waitForDecision(
  service: ApprovalService,
  id: string,
  opts: WaitOptions,
): Promise<WaitResult> {
  return new Promise<WaitResult>((resolve) => {
    let done = false;
    let lastCount = -1;
    let checking = false;
    let again = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (r: WaitResult): void => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      unregister();
      opts.signal.removeEventListener('abort', onAbort);
      resolve(r);
    };

    const check = async (): Promise<void> => {
      if (done) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        let a = await service.get(id);
        if (a && a.status === 'requested' && a.expiresAt.getTime() <= service.now().getTime())
          a = (await service.expire(id)) ?? (await service.get(id));
        if (!a) return;
        if (a.status !== 'requested') return finish({ kind: 'decided', approval: a });
        const count = approvalsOf(a);
        if (count !== lastCount) {
          lastCount = count;
          opts.onTick?.(a);
        }
      } catch {
        // The store is briefly unreachable: the next wake-up or poll tries again.
      } finally {
        checking = false;
        if (again && !done) {
          again = false;
          void check();
        }
      }
    };

    const onAbort = (): void => finish({ kind: 'aborted' });
    const unregister = service.waitRegistry.add(id, () => void check());
    if (opts.signal.aborted) return finish({ kind: 'aborted' });
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const poll = setInterval(() => void check(), service.pollIntervalMs);
    poll.unref();
    timers.push(poll);
    if (opts.tickMs && opts.onTick) {
      const tick = setInterval(() => {
        void service
          .get(id)
          .then((a) => {
            if (a && !done && a.status === 'requested') opts.onTick?.(a);
          })
          .catch(() => undefined);
      }, opts.tickMs);
      tick.unref();
      timers.push(tick);
    }
    void service.get(id).then(
      (a) => {
        if (!a || done) return;
        const deadline = setTimeout(
          () => void check(),
          Math.max(0, a.expiresAt.getTime() - service.now().getTime()) + 5,
        );
        deadline.unref();
        timers.push(deadline);
      },
      () => undefined,
    );
    void check();
  });
}
