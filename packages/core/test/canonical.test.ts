import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from '../src/canonical.js';
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
