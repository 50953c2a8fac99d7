import { AwsClient } from 'aws4fetch';
import type { SignedCheckpoint } from '../merkle/proof-file.js';
import type { Witness } from './types.js';
import { witnessCopy } from './types.js';

export interface S3WitnessOptions {
  /** Service endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or an S3-compatible server. */
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  /** Key prefix (default `mcpgate/checkpoints/`). */
  readonly prefix?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly timeoutMs?: number;
}

/**
 * One object per checkpoint, `<prefix><chain>/<seq, 20 digits>.json`, so listing returns them in
 * order and a checkpoint is never overwritten by another. Path-style URLs work with AWS and with
 * S3-compatible servers alike. Requests are signed (SigV4) by aws4fetch, a small dependency-free
 * signer, rather than pulling in the whole AWS SDK for two calls.
 */
export class S3Witness implements Witness {
  readonly name = 's3';
  private readonly client: AwsClient;
  private readonly prefix: string;

  constructor(private readonly opts: S3WitnessOptions) {
    this.client = new AwsClient({
      accessKeyId: opts.accessKeyId,
      secretAccessKey: opts.secretAccessKey,
      region: opts.region,
      service: 's3',
    });
    this.prefix = opts.prefix ?? 'mcpgate/checkpoints/';
  }

  private url(key: string, query = ''): string {
    const path = key
      .split('/')
      .map((s) => encodeURIComponent(s))
      .join('/');
    return `${this.opts.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(this.opts.bucket)}/${path}${query}`;
  }

  keyOf(cp: { chain_id: string; seq: number }): string {
    return `${this.prefix}${cp.chain_id}/${String(cp.seq).padStart(20, '0')}.json`;
  }

  async publish(cp: SignedCheckpoint): Promise<void> {
    const res = await this.client.fetch(this.url(this.keyOf(cp)), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(witnessCopy(cp)),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new Error(`S3 PUT answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  }

  /** Every checkpoint copy under the prefix (ListObjectsV2, then one GET each). */
  async readAll(): Promise<unknown[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ 'list-type': '2', prefix: this.prefix });
      if (token) q.set('continuation-token', token);
      const res = await this.client.fetch(
        `${this.opts.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(this.opts.bucket)}?${q.toString()}`,
        { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) },
      );
      const xml = await res.text();
      if (!res.ok) throw new Error(`S3 list answered HTTP ${res.status}: ${xml.slice(0, 200)}`);
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(xmlText(m[1]!));
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated ? xmlText(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '') : undefined;
    } while (token);
    const out: unknown[] = [];
    for (const key of keys) {
      const res = await this.client.fetch(this.url(key), {
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`S3 GET ${key} answered HTTP ${res.status}`);
      out.push(JSON.parse(text));
    }
    return out;
  }
}

/** The five XML entities S3 escapes in keys and tokens. */
function xmlText(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
