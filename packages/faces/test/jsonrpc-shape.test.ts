import { describe, expect, it } from 'vitest';
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  parseJSONRPCMessage,
} from '@modelcontextprotocol/server';
import { isRequest, isResponse, parseMessage } from '../src/jsonrpc-shape.js';

const base = { jsonrpc: '2.0' as const };
const req = { ...base, id: 1, method: 'tools/call', params: { name: 'echo', arguments: { m: 'x' } } };
const res = { ...base, id: 1, result: { content: [{ type: 'text', text: 'x' }] } };
const err = { ...base, id: 1, error: { code: -32601, message: 'no such method' } };

/** Well-formed messages and near misses: each key, type and `_meta` member the schemas look at. */
const CASES: unknown[] = [
  req,
  { ...req, id: 'a' },
  { ...req, id: -0 },
  { ...req, id: 1.5 },
  { ...req, id: 2 ** 53 },
  { ...req, id: null },
  { ...req, id: undefined },
  { ...req, id: NaN },
  { ...req, params: undefined },
  { ...base, id: 1, method: 'ping' },
  { ...req, params: [] },
  { ...req, params: null },
  { ...req, params: 'x' },
  { ...req, params: { _meta: { progressToken: 'p' } } },
  { ...req, params: { _meta: { progressToken: 7 } } },
  { ...req, params: { _meta: { progressToken: 7.5 } } },
  { ...req, params: { _meta: { progressToken: { a: 1 } } } },
  { ...req, params: { _meta: { progressToken: null } } },
  { ...req, params: { _meta: null } },
  { ...req, params: { _meta: [] } },
  { ...req, params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } } },
  { ...req, params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 1 } } } },
  { ...req, params: { _meta: { traceparent: '00-abc', other: [1, { x: 2 }] } } },
  { ...req, extra: 1 },
  { ...req, result: {} },
  { ...req, jsonrpc: '1.0' },
  { ...req, method: 3 },
  { ...req, method: undefined },
  { ...res, method: undefined },
  { ...res, method: 'x' },
  { ...err, method: 'x' },
  { ...req, error: undefined },
  { ...req, result: undefined },
  { ...base, id: 1 },
  Object.assign(Object.create(null) as object, req),
  [req],
  null,
  'x',
  { ...base, method: 'notifications/initialized' },
  { ...base, method: 'notifications/progress', params: { progressToken: 1, progress: 2 } },
  { ...base, method: 'notifications/x', params: { _meta: { progressToken: {} } } },
  res,
  { ...res, id: 'r' },
  { ...res, id: 1.5 },
  { ...res, result: [] },
  { ...res, result: null },
  { ...res, result: { _meta: { any: 1 } } },
  { ...res, result: { _meta: null } },
  { ...res, result: { _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'n', version: '1' } } } },
  { ...res, result: { _meta: { 'io.modelcontextprotocol/serverInfo': 5 } } },
  { ...res, error: err.error },
  { ...res, extra: true },
  err,
  { ...base, error: err.error },
  { ...err, id: null },
  { ...err, error: { ...err.error, data: { x: 1 } } },
  { ...err, error: { ...err.error, code: 1.5 } },
  { ...err, error: { ...err.error, message: 1 } },
  { ...err, error: { ...err.error, extra: 1 } },
  { ...err, error: null },
  { ...err, jsonrpc: undefined },
];

describe('JSON-RPC shape checks without a schema parse', () => {
  it.each(CASES.map((c, i) => [i, c] as const))('case %i: gives the SDK schemas’ answers', (_i, m) => {
    expect(isRequest(m)).toBe(isJSONRPCRequest(m));
    expect(isResponse(m)).toBe(isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m));
    let expected: unknown;
    let threw = false;
    try {
      expected = parseJSONRPCMessage(m);
    } catch {
      threw = true;
    }
    if (threw) expect(() => parseMessage(m)).toThrow();
    else expect(parseMessage(m)).toEqual(expected);
  });

  it('answers a plain request, result and error without copying them', () => {
    // Returning the message itself is the saving: the schema parse builds a copy of every level.
    expect(parseMessage(req)).toBe(req);
    expect(parseMessage(res)).toBe(res);
    expect(parseMessage(err)).toBe(err);
    expect(parseJSONRPCMessage(req)).not.toBe(req);
  });
});
