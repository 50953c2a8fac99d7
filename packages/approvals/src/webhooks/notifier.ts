import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { approvalJson } from '../json.js';
import type { ApprovalNotifier, DeliveryReport, NoticeKind } from '../notifier.js';
import type { ApprovalRecord } from '../types.js';
import { webhookSignature } from './sign.js';
import { approvalLinks, slackMessage } from './slack.js';

export interface WebhookTarget {
  readonly url: string;
  /** HMAC key for the signature header (resolved from a secret reference by the CLI). */
  readonly secret: string;
  /** Which notices to send (default: all). */
  readonly events?: readonly NoticeKind[];
  /** `json` (default): the approval as JSON. `slack`: a ready Slack incoming-webhook message. */
  readonly format?: 'json' | 'slack';
}

export interface WebhookNotifierOptions {
  readonly targets: readonly WebhookTarget[];
  /** Public base URL of the gateway's admin API, for approve/deny links. */
  readonly adminBaseUrl?: string;
  /** Attempts per delivery, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Wait before the first retry, doubled each time (default 1 s), capped at `maxBackoffMs` (default 30 s). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** The target as recorded and logged: no query string (tokens hide there), no credentials. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * Outbound webhooks: a JSON POST per notice, signed (`X-Mcpgate-Signature`), retried with
 * exponential backoff on network errors and non-2xx answers, a bounded number of times.
 */
export class WebhookNotifier implements ApprovalNotifier {
  private closed = false;
  private readonly abort = new AbortController();

  constructor(private readonly opts: WebhookNotifierOptions) {}

  async deliver(kind: NoticeKind, a: ApprovalRecord): Promise<DeliveryReport[]> {
    const targets = this.opts.targets.filter((t) => !t.events || t.events.includes(kind));
    return Promise.all(targets.map((t) => this.send(t, kind, a)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    return Promise.resolve();
  }

  private body(t: WebhookTarget, kind: NoticeKind, a: ApprovalRecord, delivery: string): string {
    const links = this.opts.adminBaseUrl ? approvalLinks(this.opts.adminBaseUrl, a.id) : undefined;
    if (t.format === 'slack') return JSON.stringify(slackMessage(kind, a, links));
    return JSON.stringify({ id: delivery, event: kind, approval: approvalJson(a), links: links ?? null });
  }

  private async send(t: WebhookTarget, kind: NoticeKind, a: ApprovalRecord): Promise<DeliveryReport> {
    const delivery = randomUUID();
    const body = this.body(t, kind, a, delivery);
    const max = Math.max(1, this.opts.maxAttempts ?? 5);
    let wait = this.opts.initialBackoffMs ?? 1000;
    const target = redactUrl(t.url);
    let last: { status?: number; error?: string } = {};
    for (let attempt = 1; attempt <= max; attempt++) {
      if (this.closed) break;
      try {
        const res = await (this.opts.fetch ?? fetch)(t.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'mcpgate-approvals',
            'x-mcpgate-event': kind,
            'x-mcpgate-delivery': delivery,
            'x-mcpgate-signature': webhookSignature(t.secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok)
          return {
            target,
            channel: `webhook:${t.format ?? 'json'}`,
            ok: true,
            attempts: attempt,
            status: res.status,
          };
        last = { status: res.status, error: `HTTP ${res.status}` };
      } catch (err) {
        last = { error: err instanceof Error ? err.message : String(err) };
      }
      if (attempt < max && !this.closed) {
        await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => undefined);
        wait = Math.min(wait * 2, this.opts.maxBackoffMs ?? 30_000);
      }
    }
    return {
      target,
      channel: `webhook:${t.format ?? 'json'}`,
      ok: false,
      attempts: max,
      ...(last.status !== undefined ? { status: last.status } : {}),
      ...(last.error !== undefined ? { error: last.error } : {}),
    };
  }
}
