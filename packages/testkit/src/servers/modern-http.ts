#!/usr/bin/env node
/**
 * The modern-era test server over Streamable HTTP (`createMcpHandler`, which serves 2026-07-28
 * requests and stateless legacy ones), on 127.0.0.1:$PORT at `/mcp`. Received methods are recorded
 * for the `trace` tool (and `MODERN_TRACE_FILE`), like the stdio entry.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { buildModernServer } from './modern-tools.js';

const seen: string[] = [];
const traceFile = process.env.MODERN_TRACE_FILE;
const port = Number(process.env.PORT ?? 0);

const handler = createMcpHandler(() => buildModernServer(seen, () => handler.notify.toolsChanged()));

function record(body: string): void {
  try {
    const parsed = JSON.parse(body) as unknown;
    for (const msg of Array.isArray(parsed) ? parsed : [parsed]) {
      const method = (msg as { method?: unknown }).method;
      if (typeof method !== 'string') continue;
      seen.push(method);
      if (traceFile) appendFileSync(traceFile, `${process.pid} ${method}\n`);
    }
  } catch {
    // Not JSON: the handler answers it.
  }
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!req.url?.startsWith('/mcp')) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if (req.method === 'POST') record(body);
  // Closing the response stream cancels the request (modern-era semantics).
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string') headers.set(k, v);
    else if (Array.isArray(v)) for (const item of v) headers.append(k, item);
  }
  const response = await handler.fetch(
    new Request(`http://127.0.0.1:${port}${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(req.method === 'POST' ? { body } : {}),
      signal: ac.signal,
    }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  if (!response.body) {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body) res.write(chunk);
  } catch {
    // Client went away mid-stream.
  }
  res.end();
}

createServer((req, res) => {
  serve(req, res).catch((err: unknown) => {
    console.error('modern-http: request failed', err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}).listen(port, '127.0.0.1', () => console.error(`modern-http listening on 127.0.0.1:${port}`));
