import type { Cell, QueryResult, ReportData } from './build.js';
import { renderChart } from './charts.js';

/** Rows a table shows in the HTML; report.json carries every row the query returned. */
const SHOWN_ROWS = 200;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: Cell): string {
  if (v === null) return '<span class="null">—</span>';
  if (typeof v === 'boolean') return v ? 'yes' : '<strong class="bad">no</strong>';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v))
    return esc(v.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
  return esc(v.length > 80 ? `${v.slice(0, 77)}…` : v);
}

function label(col: string): string {
  return esc(col.replace(/_/g, ' '));
}

function table(q: QueryResult): string {
  if (q.rows.length === 0) return '<p class="empty">No records in the period.</p>';
  if (q.single) {
    const row = q.rows[0]!;
    return `<table class="kv">${q.columns.map((c) => `<tr><th>${label(c)}</th><td>${fmt(row[c] ?? null)}</td></tr>`).join('')}</table>`;
  }
  const head = `<tr>${q.columns.map((c) => `<th>${label(c)}</th>`).join('')}</tr>`;
  const body = q.rows
    .slice(0, SHOWN_ROWS)
    .map((r) => `<tr>${q.columns.map((c) => `<td>${fmt(r[c] ?? null)}</td>`).join('')}</tr>`)
    .join('\n');
  const more =
    q.rows.length > SHOWN_ROWS
      ? `<p class="more">${SHOWN_ROWS} of ${q.rows.length} rows shown; report.json has them all.</p>`
      : '';
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>${more}`;
}

async function query(q: QueryResult): Promise<string> {
  const chart = q.chart && q.rows.length > 0 ? `<figure>${await renderChart(q.chart, q.rows)}</figure>` : '';
  return `<section class="query" id="q-${esc(q.id)}">
<h3>${esc(q.title)}</h3>
${q.note ? `<p class="note">${esc(q.note)}</p>` : ''}
${chart}
${table(q)}
<details open><summary>Query <code>${esc(q.id)}</code></summary><pre class="sql">${esc(q.sql)}</pre></details>
</section>`;
}

function verification(d: ReportData): string {
  const v = d.verification;
  const problems = v.problems
    .map((p) => `<li>chain ${esc(p.chain)} seq ${p.seq} — ${esc(p.kind)}: ${esc(p.detail)}</li>`)
    .join('');
  return `<section class="query" id="q-verification">
<h3>Hash chain and signatures</h3>
<p class="verdict ${v.ok ? 'ok' : 'bad'}">${v.ok ? 'VERIFIED' : 'FAILED'}: ${v.records.toLocaleString('en-US')} records in ${v.chains} chain(s), ${v.checkpoints} signed checkpoint(s)${v.ok ? '' : `, ${v.problemsTotal} problem(s)`}</p>
${problems ? `<ul class="problems">${problems}</ul>` : ''}
${v.warnings.map((w) => `<p class="note">note: ${esc(w)}</p>`).join('')}
<table class="kv"><tr><th>checkpoint signers</th><td>${v.publicKeys.map((k) => `<code>${esc(k)}</code>`).join('<br>') || '—'}</td></tr></table>
<details open><summary>Reproduce</summary><pre class="sql">${esc(v.command)}</pre></details>
</section>`;
}

const CSS = `
body{font:14px/1.45 Helvetica,Arial,sans-serif;color:#1d2733;margin:0 auto;max-width:60rem;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;border-bottom:2px solid #2f5d8a;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.02rem;margin:1.4rem 0 .4rem}.criteria{color:#4b5a6a;margin:.2rem 0 .8rem;font-style:italic}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:12px}th,td{border:1px solid #ccd4dc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef2f6}table.kv{width:auto}table.kv th{width:16rem}
pre.sql{background:#f6f8fa;border:1px solid #dde3e9;padding:.5rem;font-size:11px;white-space:pre-wrap;margin:.2rem 0}
summary{cursor:pointer;color:#4b5a6a;font-size:12px}.note{color:#4b5a6a;font-size:12px}.null{color:#99a3ad}
.bad{color:#b03030}.verdict{font-weight:bold;padding:.4rem .6rem;border-radius:4px}.verdict.ok{background:#e4f3e6;color:#1d6b2c}
.verdict.bad{background:#fbe5e5}.empty{color:#6b7785;font-style:italic}figure{margin:.4rem 0}figure svg{max-width:100%;height:auto}
nav ol{columns:2;font-size:13px}.meta td,.meta th{font-size:13px}
@media print{body{max-width:none;padding:0}h2{break-before:page}section.query{break-inside:avoid}details>summary{display:none}a{color:inherit;text-decoration:none}}
`;

/** The report as one self-contained, printable HTML page (inline CSS and SVG, no script). */
export async function renderHtml(d: ReportData): Promise<string> {
  const sections: string[] = [];
  for (const s of d.sections) {
    const parts: string[] = [];
    if (s.id === 'pi') parts.push(verification(d));
    for (const q of s.queries) parts.push(await query(q));
    sections.push(`<h2 id="${esc(s.id)}">${esc(s.title)}</h2>
<p class="criteria">Trust services criteria: ${esc(s.criteria)}</p>
${parts.join('\n')}`);
  }
  const nav = d.sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mcpgate evidence report ${esc(d.period.from)} – ${esc(d.period.to)}</title>
<style>${CSS}</style></head>
<body>
<h1>mcpgate audit evidence report</h1>
<table class="kv meta">
<tr><th>period</th><td>${fmt(d.period.from)} to ${fmt(d.period.to)} (end exclusive)</td></tr>
<tr><th>generated</th><td>${fmt(d.generatedAt)}</td></tr>
<tr><th>store</th><td>${esc(d.store)}</td></tr>
<tr><th>query parameters</th><td><code>$1</code> = ${esc(d.parameters[0])}, <code>$2</code> = ${esc(d.parameters[1])}</td></tr>
<tr><th>chain verification</th><td>${d.verification.ok ? 'verified' : '<strong class="bad">FAILED</strong>'}</td></tr>
</table>
<p class="note">Every figure below comes from the SQL query printed with it, run against the audit store
with the parameters above. The same data is in report.json; manifest.json lists every file of this pack
with its SHA-256 and is signed (manifest.sig) with the audit signing key. Check the pack with
<code>mcpgate audit verify --report DIR</code>.</p>
<nav><ol>${nav}</ol></nav>
${sections.join('\n')}
</body></html>
`;
}
