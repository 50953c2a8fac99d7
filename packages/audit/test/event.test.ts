import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@mcpgate/core';
import {
  buildRow,
  eventHash,
  eventHeader,
  eventHeaderObject,
  GENESIS_HASH,
  storable,
} from '../src/chain/event.js';
import { capPayload } from '../src/recorder/payload.js';

describe('event encoding', () => {
  it('the hand-rolled header equals canonicalJson of the header object', () => {
    const row = buildRow(
      'gw:1',
      7,
      GENESIS_HASH,
      {
        type: 'call.request',
        sessionId: 's_1',
        correlationId: 'c_1',
        subject: 'os:"quoted"\nuser',
        groups: ['b', 'a'],
        method: 'tools/call',
        upstream: 'files',
        target: 'read',
        decision: 'allow',
        body: { z: 1, a: [1, 'x'] },
      },
      new Date('2026-01-02T03:04:05.678Z'),
    );
    expect(eventHeader(row)).toBe(canonicalJson(eventHeaderObject(row)));
    expect(row.body).toBe('{"a":[1,"x"],"z":1}');
    expect(row.hash).toBe(eventHash(row));
    expect(eventHash({ ...row, body: '{"a":[1,"x"],"z":2}' })).not.toBe(row.hash);
  });

  it('makes column values storable in Postgres text (no NUL, no lone surrogates)', () => {
    expect(storable('a\u0000b')).toBe('a\uFFFDb');
    expect(storable('x\uD800y')).toBe('x\uFFFDy');
    expect(storable('ok 👍')).toBe('ok 👍');
    expect(storable(undefined)).toBeNull();
  });

  it('caps payloads by UTF-8 bytes of their canonical JSON', () => {
    expect(capPayload({ a: 'small' }, 100)).toEqual({ a: 'small' });
    const big = { s: 'é'.repeat(100) };
    const capped = capPayload(big, 50) as { truncated: boolean; bytes: number; preview: string };
    expect(capped.truncated).toBe(true);
    expect(capped.bytes).toBe(Buffer.byteLength(canonicalJson(big)));
    expect(Buffer.byteLength(capped.preview)).toBeLessThanOrEqual(50);
  });
});
