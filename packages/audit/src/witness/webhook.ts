import type { Witness } from './types.js';
import { witnessCopy } from './types.js';

export interface WebhookWitnessOptions {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** POSTs each checkpoint as JSON; any 2xx answer counts as stored. */
export function webhookWitness(opts: WebhookWitnessOptions): Witness {
  return {
    name: 'webhook',
    async publish(cp) {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: JSON.stringify(witnessCopy(cp)),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      // Drain the body so the connection is reusable.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
    },
  };
}
