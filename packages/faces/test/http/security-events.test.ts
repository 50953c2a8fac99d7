import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { silentLogger, type SessionInfo } from '@mcpgate/core';
import { SecurityEvents, type SecurityEvent } from '../../src/http/security-events.js';

// The bounds docs/audit.md states: per window, one row at once per (type, source, reason), one
// counted row for the rest, at most maxKeys keys and then one overflow row per type.
const req = (authorization?: string) =>
  ({
    method: 'POST',
    headers: { ...(authorization && { authorization }), 'user-agent': 'ua' },
  }) as IncomingMessage;
const refusal = { status: 401, error: 'invalid_token', description: 'bad token' };

function collect(maxKeys = 100) {
  const rows: SecurityEvent[] = [];
  const events = new SecurityEvents(silentLogger, (e) => void rows.push(e), { windowMs: 3_600_000, maxKeys });
  return { rows, events };
}

describe('SecurityEvents', () => {
  it('records the first attempt at once and the rest of the window as one counted row', () => {
    const { rows, events } = collect();
    for (let i = 0; i < 1000; i++) events.authFailed(req('Bearer secret-token'), '10.0.0.1', '/mcp', refusal);
    expect(rows.map((r) => r.body.count)).toEqual([1]);
    events.close();
    expect(rows.map((r) => r.body.count)).toEqual([1, 999]);
    expect(rows[1]!.body).toMatchObject({ aggregated: true, sourceIp: '10.0.0.1', error: 'invalid_token' });
    expect(JSON.stringify(rows)).not.toContain('secret-token');
  });

  it('bounds the rows however many sources an attacker uses: maxKeys keys, then one overflow row', () => {
    const { rows, events } = collect(100);
    for (let ip = 0; ip < 5000; ip++)
      for (let k = 0; k < 2; k++)
        events.authFailed(req('Bearer x'), `10.1.${ip >> 8}.${ip & 255}`, '/mcp', refusal);
    expect(rows).toHaveLength(100);
    events.flush();
    // 100 keys' second attempts, plus every attempt of the 4,900 other sources in one row.
    expect(rows).toHaveLength(201);
    const overflow = rows.find((r) => r.body.sourceIp === '*')!;
    expect(overflow.body.count).toBe(4900 * 2);
    // A new window starts empty: the next attempt is recorded at once again.
    events.authFailed(req('Bearer x'), '10.9.9.9', '/mcp', refusal);
    expect(rows).toHaveLength(202);
    events.close();
  });

  it('does not count a request without any credential as a failure', () => {
    const { rows, events } = collect();
    events.authFailed(req(), '10.0.0.1', '/mcp', refusal);
    events.close();
    expect(rows).toEqual([]);
  });

  it('names the targeted session and its owner for a hijack attempt, not the wire id', () => {
    const { rows, events } = collect();
    const target = { id: 's_victim', identity: { subject: 'key:alice', groups: [], authMethod: 'api-key' } };
    events.sessionHijack(
      req('Bearer m'),
      '10.0.0.2',
      '/mcp',
      { subject: 'key:mallory', groups: [], authMethod: 'api-key', keyName: 'mallory' },
      target as unknown as SessionInfo,
      'streamable-http',
    );
    events.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'security.session_hijack',
      subject: 'key:mallory',
      body: { targetSession: 's_victim', owner: 'key:alice', count: 1, sourceIp: '10.0.0.2' },
    });
  });
});
