import type { ChartSpec } from './queries.js';
import type { Cell } from './build.js';

const PALETTE = ['#2f5d8a', '#c0504d', '#e3a33b', '#5b9a68', '#7f6aa8'];

/**
 * One chart as an inline SVG string, rendered in Node by Apache ECharts' server-side SVG
 * renderer: no browser, no script and no external asset in the report. ECharts is loaded only
 * when a report is rendered, so nothing else pays for it.
 */
export async function renderChart(spec: ChartSpec, rows: readonly Record<string, Cell>[]): Promise<string> {
  const echarts = await import('echarts');
  const shown = spec.top ? rows.slice(0, spec.top) : rows;
  const categories = shown.map((r) => String(r[spec.x] ?? ''));
  const wide = categories.some((c) => c.length > 10);
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: 760,
    height: wide ? 320 : 260,
  });
  try {
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: 'Helvetica, Arial, sans-serif' },
      grid: { left: 56, right: 16, top: spec.y.length > 1 ? 36 : 16, bottom: wide ? 110 : 40 },
      legend: spec.y.length > 1 ? { top: 4, data: [...spec.y] } : undefined,
      xAxis: {
        type: 'category',
        data: categories,
        axisLabel: { rotate: wide || categories.length > 12 ? 45 : 0, fontSize: 10, interval: 0 },
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: spec.y.map((col) => ({
        name: col,
        type: 'bar',
        stack: spec.kind === 'stacked' ? 'total' : undefined,
        data: shown.map((r) => Number(r[col] ?? 0)),
      })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
