import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson, canonicalJsonIterative } from '../src/canonical.js';
import { newId } from '../src/ids.js';

describe('canonicalJson', () => {
  it('sorts keys recursively, drops undefined members, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('is pinned: changing the encoding breaks every stored hash', () => {
    // sha256 of '{"args":{"message":"hi"},"tool":"echo"}', computed independently.
    expect(canonicalHash({ tool: 'echo', args: { message: 'hi' } })).toBe(
      '4266f6078a256fa9e448594d134f228a0e32a6e8152ae3182623952bf0e401ed',
    );
    expect(canonicalJson('é\u2028"')).toBe('"é\u2028\\""');
  });
  it('rejects non-finite numbers', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
  it('gives the same text as the iterative reference encoder, shallow or deep', () => {
    let deep: unknown = { leaf: [1, 'x'] };
    for (let i = 0; i < 300; i++) deep = i % 2 ? { [`k${i}`]: deep, a: i } : [deep, null];
    const values: unknown[] = [
      null,
      0,
      -0,
      1e21,
      'a\u0000\ud800"\\',
      true,
      12n,
      new Date(0),
      [undefined, { z: undefined, y: [] }, {}],
      { é: 1, e: 2, E: 3, '\u{1F600}': 4, '\uffff': 5, '': 6 },
      { params: { name: 'ev__echo', arguments: { message: 'hi', n: [1.5, -2, { b: 1, a: 2 }] } } },
      deep,
      // Strings quoted by hand (printable ASCII) and by JSON.stringify (everything else), as keys
      // and values: every ASCII code unit alone, DEL, and the 64-unit boundary of the fast path.
      Object.fromEntries(
        Array.from({ length: 128 }, (_, c) => [`k${String.fromCharCode(c)}`, String.fromCharCode(c)]),
      ),
      {
        'a"b': 'c\\d',
        'x\u007f': '\u007f',
        long: 'y'.repeat(64),
        longer: 'y'.repeat(65),
        q: `${'y'.repeat(70)}"`,
      },
    ];
    for (const v of values) expect(canonicalJson(v)).toBe(canonicalJsonIterative(v));
    expect(canonicalJson({ 'a"b': 'x\n' })).toBe('{"a\\"b":"x\\n"}');
    expect(canonicalJson(deep).length).toBeGreaterThan(3000);
  });
  it('refuses a cycle and what JSON cannot hold, at any depth', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { again: cyclic };
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/cannot encode function/);
    expect(() => canonicalJson([Symbol('s')])).toThrow(/cannot encode symbol/);
  });
});

describe('newId', () => {
  it('is time-ordered and unique', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(new Set(ids).size).toBe(1000);
    expect(ids[0]!.length).toBe(26);
    const a = newId();
    const later = new Promise((r) => setTimeout(r, 3));
    return later.then(() => expect(newId() > a).toBe(true));
  });
});
