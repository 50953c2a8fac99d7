import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, GatewayError, toGatewayError } from '../src/errors.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');

describe('error taxonomy', () => {
  it('docs/errors.md lists every code with its JSON-RPC code and HTTP status', () => {
    const rows = doc
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .map((l) => l.split('|').map((c) => c.trim()));
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const row = rows.find((cells) => cells[1] === `\`${code}\``);
      expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
      expect(row!.slice(2, 4)).toEqual([String(info.jsonrpc), String(info.http)]);
    }
  });

  it('renders a JSON-RPC error with the correlation id for humans and machines', () => {
    const e = new GatewayError('policy_denied', 'rule "no-prod" refused the call', {
      correlationId: 'c_1',
      data: { rule: 'no-prod' },
    });
    expect(e.toJsonRpc()).toEqual({
      code: -32030,
      message: 'rule "no-prod" refused the call (correlation id c_1)',
      data: { rule: 'no-prod', mcpgate: { code: 'policy_denied', correlationId: 'c_1' } },
    });
    expect(e.httpStatus).toBe(403);
  });

  it('gives every JSON-RPC code one meaning, except the spec families shared on purpose', () => {
    const byCode = new Map<number, string[]>();
    for (const [code, info] of Object.entries(ERROR_CODES))
      byCode.set(info.jsonrpc, [...(byCode.get(info.jsonrpc) ?? []), code]);
    expect(byCode.get(-32001)).toEqual(['session_not_found']);
    expect(ERROR_CODES.upstream_timeout.jsonrpc).toBe(-32014);
    // Shared on purpose: the JSON-RPC spec's own codes (invalid request / params, internal error),
    // which the MCP spec reuses for these meanings. Every other number means exactly one thing.
    const shared = new Map<number, string[]>([
      [-32600, ['invalid_request', 'message_too_large']],
      [-32602, ['invalid_params', 'unknown_tool', 'unknown_prompt']],
      [-32603, ['step_failed', 'internal']],
    ]);
    for (const [num, names] of byCode) {
      if (names.length > 1)
        expect([...names].sort(), `${num} is shared`).toEqual([...(shared.get(num) ?? [])].sort());
    }
    expect(ERROR_CODES.authorization_required.jsonrpc).toBe(-32042); // the MCP URL-elicitation error
  });

  it('never puts internal detail on the wire: code, a safe message and the correlation id', () => {
    const internal = toGatewayError(new Error('ECONNREFUSED 10.0.0.7:5432 password=hunter2'));
    internal.correlationId = 'c_9';
    const wire = internal.toJsonRpc();
    expect(wire.message).toBe(
      'internal gateway error; an operator can find the detail by the correlation id (correlation id c_9)',
    );
    expect(JSON.stringify(wire)).not.toContain('hunter2');
    expect(internal.message).toContain('hunter2'); // for the log and the audit record
    const step = new GatewayError('step_failed', 'gateway step "mask" failed: detector crashed at x', {
      publicMessage: 'gateway step "mask" failed; the call was refused',
    });
    expect(step.toJsonRpc().message).toBe('gateway step "mask" failed; the call was refused');
  });

  it('wraps foreign errors without changing GatewayErrors', () => {
    const g = new GatewayError('upstream_crashed', 'x');
    expect(toGatewayError(g)).toBe(g);
    const w = toGatewayError(new Error('boom'));
    expect(w.code).toBe('internal');
    expect(w.message).toBe('boom');
  });
});
