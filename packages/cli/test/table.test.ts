import { describe, expect, it } from 'vitest';
import { callsTable } from '../src/commands/audit-query.js';
import { renderTable, wrapText } from '../src/runtime/table.js';
import type { CallRow } from '@mcpgate/audit';

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

describe('tables that fit', () => {
  it('shrinks the widest columns first; truncated cells end in "…", wrapped ones keep every character', () => {
    const id = 'c_01M97DJVXT7SNP3FNXCJ2E1QQF';
    const out = renderTable(
      [{ header: 'name' }, { header: 'text' }, { header: 'id', overflow: 'wrap', min: 10 }],
      [['short', 'a long description that cannot fit in a narrow table at all', id]],
      50,
    );
    expect(widest(out)).toBeLessThanOrEqual(50);
    expect(out).toContain('…');
    // The id is the last column: its pieces are the ends of consecutive lines.
    expect(out.replace(/\s+/g, '')).toContain(id);
    // Wide enough: nothing is cut.
    expect(renderTable([{ header: 'a' }], [['abc']], 80)).toBe('a\nabc\n');
  });

  it('wrapText breaks at spaces and cuts only words longer than a line', () => {
    expect(wrapText('one two three four', 9)).toEqual(['one two', 'three', 'four']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('audit query fits 80 columns by default, and uses a wider --width when given', () => {
    const row = {
      correlationId: 'c_01M97DJVXT7SNP3FNXCJ2E1QQF',
      sessionId: 's_01M97DJVVZR7N99QSBJSXBKQDY',
      requestedAt: new Date('2026-12-07T04:53:22.491Z'),
      completedAt: new Date('2026-12-07T04:53:22.591Z'),
      recordType: 'call.response',
      subject: 'oidc:alice.longname@example.com',
      groups: ['eng'],
      method: 'tools/call',
      upstream: 'everything',
      target: 'trigger-long-running-operation',
      decision: 'require_approval',
      outcome: 'tool_error',
    } as unknown as CallRow;
    const narrow = callsTable([row, row], 80);
    expect(widest(narrow)).toBeLessThanOrEqual(80);
    expect(narrow).toContain('12-07 04:53:22');
    const wide = callsTable([row], 200);
    expect(wide).toContain('everything/trigger-long-running-operation');
    expect(wide).toContain('c_01M97DJVXT7SNP3FNXCJ2E1QQF');
  });
});
