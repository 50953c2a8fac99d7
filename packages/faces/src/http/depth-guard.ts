import type { ServerResponse } from 'node:http';
import { DEFAULT_MAX_JSON_DEPTH, scanJsonFrame, tooDeepMessage } from '@mcpgate/core';
import { RPC, sendJson } from './node-io.js';

/**
 * Refuses a request body nested deeper than `limits.maxJsonDepth` — on its text, before it is
 * parsed or walked — with 400 and JSON-RPC -32600 naming the limit and the depth found, carrying
 * the request's id when the body is one readable message. Returns true when it answered. Covers
 * every POST of the face: `/mcp` in both eras (batches included) and the legacy `/messages`.
 */
export function refuseTooDeep(
  res: ServerResponse,
  body: string,
  limit: number | undefined,
  headers: Record<string, string>,
): boolean {
  const max = limit ?? DEFAULT_MAX_JSON_DEPTH;
  const scan = scanJsonFrame(body);
  if (scan.maxDepth <= max) return false;
  sendJson(
    res,
    400,
    {
      jsonrpc: '2.0',
      id: scan.id,
      error: {
        code: RPC.invalidRequest,
        message: `Invalid Request: ${tooDeepMessage(max, scan.maxDepth, true)}`,
        data: { mcpgate: { code: 'invalid_request' }, maxJsonDepth: max, depth: scan.maxDepth },
      },
    },
    headers,
  );
  return true;
}
