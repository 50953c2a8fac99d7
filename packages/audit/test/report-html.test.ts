import { describe, expect, it } from 'vitest';
import type { ReportData } from '../src/report/build.js';
import { renderHtml } from '../src/report/html.js';

// Subjects, tool names and reasons come from clients: the evidence page must show them as text.
const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';

const data: ReportData = {
  format: 'mcpgate-evidence-report',
  version: 1,
  generatedAt: '2026-11-01T00:00:00.000Z',
  period: { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
  parameters: ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
  store: 'postgres',
  retention: null,
  verification: {
    command: 'mcpgate audit verify',
    ok: false,
    records: 3,
    chains: 1,
    checkpoints: 0,
    problems: [{ chain: hostile, seq: 2, kind: 'modified', detail: hostile }],
    problemsTotal: 1,
    warnings: [hostile],
    publicKeys: [],
  },
  sections: [
    {
      id: 'pi',
      title: 'Processing integrity',
      criteria: 'PI1',
      queries: [
        {
          id: 'calls_per_identity',
          title: 'Calls per identity',
          sql: 'SELECT 1',
          columns: ['subject', 'tool_calls'],
          rows: [{ subject: hostile, tool_calls: 5 }],
          single: false,
          chart: { kind: 'bar', x: 'subject', y: ['tool_calls'] },
        },
      ],
    },
  ],
};

describe('evidence report HTML', () => {
  it('escapes recorded text in tables, charts, problems and notes; loads and runs nothing', async () => {
    const html = await renderHtml(data);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('<svg');
    expect(html).toContain('FAILED: 3 records in 1 chain(s), 0 signed checkpoint(s), 1 problem(s)');
  });
});
