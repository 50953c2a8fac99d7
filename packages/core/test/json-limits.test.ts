import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical.js';
import { jsonDepth, JsonFrameScanner, scanJsonFrame, tooDeepMessage } from '../src/json-limits.js';

const deepArray = (n: number): string => '['.repeat(n) + ']'.repeat(n);

describe('canonicalJson on hostile shapes (#11)', () => {
  it('encodes a 100,000-deep value without overflowing the stack', () => {
    const value: unknown = JSON.parse(deepArray(100_000));
    expect(canonicalJson({ x: value })).toBe(`{"x":${deepArray(100_000)}}`);
  });
  it('keeps its pinned output for ordinary values', () => {
    expect(canonicalJson({ b: [1, undefined, { d: 1, c: 'é' }], a: null, e: {} })).toBe(
      '{"a":null,"b":[1,null,{"c":"é","d":1}],"e":{}}',
    );
  });
  it('refuses a cycle instead of looping', () => {
    const a: Record<string, unknown> = {};
    a.self = { a };
    expect(() => canonicalJson(a)).toThrow(/cyclic/);
    const shared = { k: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"k":1},{"k":1}]');
  });
});

describe('jsonDepth', () => {
  it('counts containers and stops counting past the limit', () => {
    expect(jsonDepth(1, 10)).toBe(0);
    expect(jsonDepth({}, 10)).toBe(1);
    expect(jsonDepth({ a: [{}] }, 10)).toBe(3);
    expect(jsonDepth(JSON.parse(deepArray(1_000_000)), 64)).toBe(65);
  });
});

describe('JsonFrameScanner', () => {
  it('measures depth and reads the top-level id wherever it sits', () => {
    const deep = `{"jsonrpc":"2.0","method":"tools/call","params":{"a":${deepArray(500)}},"id":"req-7"}`;
    const s = scanJsonFrame(deep);
    expect(s.maxDepth).toBe(502);
    expect(s.id).toBe('req-7');
    expect(s.hasMethod).toBe(true);
    expect(scanJsonFrame('{"id": 42, "result": {"id": "inner"}}').id).toBe(42);
    expect(scanJsonFrame('{"result":{"id":"inner"},"id":-3}').id).toBe(-3);
    expect(scanJsonFrame('{"result":{"id":"inner"},"id":-3}').hasMethod).toBe(false);
    expect(scanJsonFrame('{"id":"a\\"b","x":"}]"}').id).toBe('a"b');
    expect(scanJsonFrame('{"id":null}').id).toBeNull();
    expect(scanJsonFrame('[{"id":1}]').id).toBeNull();
    expect(scanJsonFrame('{"x":"{{{{","id":"s"}').maxDepth).toBe(1);
  });
  it('gives the same answer fed byte by byte (frames arrive in arbitrary chunks)', () => {
    const text = Buffer.from('{"params":{"s":"é\\\\"},"id":12345}', 'utf8');
    const s = new JsonFrameScanner();
    for (const b of text) s.feed(Buffer.from([b]));
    expect(s.finish().id).toBe(12345);
    expect(s.maxDepth).toBe(2);
  });
  it('names the limit and the depth in its refusal', () => {
    expect(tooDeepMessage(128, 10_003, true)).toBe(
      'message is nested 10003 levels deep, over limits.maxJsonDepth (128)',
    );
  });
});
