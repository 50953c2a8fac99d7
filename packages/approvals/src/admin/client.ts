import { GatewayError } from '@mcpgate/core';
import { ADMIN_APPROVALS_PATH } from './handler.js';

export interface ApprovalsClientOptions {
  /** The gateway's URL (as given to `mcpgate login`); the admin API is at its origin. */
  readonly gatewayUrl: string;
  /** A bearer token for the reviewer; called again with `true` after a 401 (refresh). */
  readonly token: (forceRefresh: boolean) => Promise<string>;
  readonly fetch?: typeof fetch;
}

export interface ListQuery {
  readonly status?: readonly string[];
  readonly requester?: string;
  readonly upstream?: string;
  readonly tool?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Remote mode of the CLI: the admin API with the reviewer's own token. Returns the API's JSON. */
export class ApprovalsClient {
  private readonly base: string;

  constructor(private readonly opts: ApprovalsClientOptions) {
    this.base = new URL(ADMIN_APPROVALS_PATH, opts.gatewayUrl).href;
  }

  async list(q: ListQuery = {}): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
    const u = new URL(this.base);
    if (q.status && q.status.length > 0) u.searchParams.set('status', q.status.join(','));
    for (const k of ['requester', 'upstream', 'tool', 'cursor'] as const) {
      const v = q[k];
      if (v !== undefined) u.searchParams.set(k, v);
    }
    if (q.limit !== undefined) u.searchParams.set('limit', String(q.limit));
    return (await this.call('GET', u.href)) as {
      items: Record<string, unknown>[];
      nextCursor: string | null;
    };
  }

  async show(id: string): Promise<Record<string, unknown>> {
    return (
      (await this.call('GET', `${this.base}/${encodeURIComponent(id)}`)) as {
        approval: Record<string, unknown>;
      }
    ).approval;
  }

  async decide(id: string, action: 'approve' | 'deny', reason?: string): Promise<Record<string, unknown>> {
    const body = JSON.stringify(reason !== undefined ? { reason } : {});
    return (
      (await this.call('POST', `${this.base}/${encodeURIComponent(id)}/${action}`, body)) as {
        approval: Record<string, unknown>;
      }
    ).approval;
  }

  private async call(method: string, url: string, body?: string): Promise<unknown> {
    const f = this.opts.fetch ?? fetch;
    let res: Response | undefined;
    for (const force of [false, true]) {
      const token = await this.opts.token(force);
      res = await f(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          'x-mcpgate-client': 'cli',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
      if (res.status !== 401) break;
      await res.arrayBuffer().catch(() => undefined);
    }
    const text = await res!.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res!.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new GatewayError(
        res!.status === 401 ? 'unauthenticated' : res!.status === 403 ? 'forbidden' : 'invalid_request',
        err?.message ?? `the gateway answered HTTP ${res!.status} to ${method} ${new URL(url).pathname}`,
        { data: { status: res!.status, ...(err?.code !== undefined ? { problem: err.code } : {}) } },
      );
    }
    return json;
  }
}
