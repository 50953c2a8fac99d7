import { describe, expect, it } from 'vitest';
import { CsvReader } from '../src/export/format.js';

/** The export reader gets the file in arbitrary chunks: a row must not depend on where they fall. */
describe('CsvReader', () => {
  const text = 'a,"b ""q"", c",d\r\ne,"multi\r\nline",f\r\ng,h,i\r\n';
  const expected = [
    ['a', 'b "q", c', 'd'],
    ['e', 'multi\r\nline', 'f'],
    ['g', 'h', 'i'],
  ];

  it('reads the same rows whatever the chunk boundaries (every split point, incl. between \\r and \\n)', () => {
    for (let cut = 1; cut < text.length; cut++) {
      const r = new CsvReader();
      const rows = [...r.push(text.slice(0, cut)), ...r.push(text.slice(cut)), ...r.push('', true)];
      expect(rows, `split at ${cut}`).toEqual(expected);
    }
  });
});
