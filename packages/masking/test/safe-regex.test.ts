import { describe, expect, it } from 'vitest';
import { customPatternDetector } from '../src/detectors/custom.js';
import { scanText } from '../src/scan.js';

// The rules themselves are core's (packages/core/test/safe-regex.test.ts); masking applies them.
describe('custom pattern safety check', () => {
  it('a custom detector masks what it matches and refuses an unsafe pattern at construction', () => {
    const d = customPatternDetector('employee_id', 'EMP-[0-9]{6}');
    const text = 'owner EMP-123456 and EMP-12';
    expect(scanText(text, [d]).map((m) => text.slice(m.start, m.end))).toEqual(['EMP-123456']);
    expect(() => customPatternDetector('bad', '(a+)+$')).toThrow(/rejected: unbounded/);
  });

  it('an accepted pattern stays fast on 1 MB of near-misses', () => {
    const d = customPatternDetector('acme', '[A-Z]{2,8}-[0-9]{4,8}X', 'i');
    const text = 'AB-1234'.repeat(150_000);
    const t0 = performance.now();
    expect(scanText(text, [d])).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(4000);
  });
});
