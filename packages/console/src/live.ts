import type { ServerResponse } from 'node:http';
import type { SqlClient } from '@mcpgate/core';

/**
 * Server-sent events telling open consoles that approvals changed. One LISTEN per process fans
 * out to every stream; the store's NOTIFY reaches every replica, so a decision made anywhere
 * shows everywhere. Events carry no data: the page re-reads the list through the API, which
 * applies the viewer's visibility — nothing a viewer may not see travels on the stream.
 */
export class LiveChannel {
  private readonly streams = new Set<ServerResponse>();
  private unlisten: Promise<() => Promise<void>> | undefined;
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly sql: SqlClient,
    private readonly channel: string,
    private readonly event: string,
    private readonly keepAliveMs: number,
  ) {}

  async open(res: ServerResponse, headers: Readonly<Record<string, string>>): Promise<void> {
    this.unlisten ??= this.sql.listen(this.channel, () => this.broadcast());
    await this.unlisten;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 3000\n\nevent: ready\ndata: {}\n\n`);
    this.streams.add(res);
    res.once('close', () => this.streams.delete(res));
    this.keepAlive ??= setInterval(() => {
      for (const s of this.streams) s.write(': keep-alive\n\n');
    }, this.keepAliveMs).unref();
  }

  private broadcast(): void {
    for (const s of this.streams) s.write(`event: ${this.event}\ndata: {}\n\n`);
  }

  async close(): Promise<void> {
    clearInterval(this.keepAlive);
    for (const s of this.streams) s.end();
    this.streams.clear();
    const u = this.unlisten;
    this.unlisten = undefined;
    if (u) await (await u)();
  }
}
