import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, GatewayError, toGatewayError } from '../src/index.js';

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

  it('wraps foreign errors without changing GatewayErrors', () => {
    const g = new GatewayError('upstream_crashed', 'x');
    expect(toGatewayError(g)).toBe(g);
    const w = toGatewayError(new Error('boom'));
    expect(w.code).toBe('internal');
    expect(w.message).toBe('boom');
  });
});
