#!/usr/bin/env node
/**
 * A modern-era (2026-07-28) MCP server for tests, built on the v2 server package and served over
 * stdio with `serveStdio` (which would also serve a legacy opening — the era is the client's choice).
 *
 * Every JSON-RPC method this process receives is recorded so a test can prove which era a client
 * really spoke: the `trace` tool returns them, and when `MODERN_TRACE_FILE` is set each one is also
 * appended there as `<pid> <method>` (that covers the SDK's short-lived probe sibling too).
 */
import { appendFileSync } from 'node:fs';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { buildModernServer } from './modern-tools.js';

const seen: string[] = [];
const traceFile = process.env.MODERN_TRACE_FILE;

function record(message: JSONRPCMessage): void {
  if (!('method' in message)) return;
  seen.push(message.method);
  if (traceFile) appendFileSync(traceFile, `${process.pid} ${message.method}\n`);
}

/** The stdio transport with a tap on inbound messages (the entry owns and replaces `onmessage`). */
function tappedTransport(): StdioServerTransport {
  const transport = new StdioServerTransport();
  let handler: ((m: JSONRPCMessage) => void) | undefined;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: (h: ((m: JSONRPCMessage) => void) | undefined) => {
      handler = h
        ? (m: JSONRPCMessage) => {
            record(m);
            h(m);
          }
        : undefined;
    },
  });
  return transport;
}

serveStdio(() => buildModernServer(seen, (server) => server.sendToolListChanged()), {
  transport: tappedTransport(),
});
