import type { SqlQueryable } from '@mcpgate/core';
import { verifyStore } from '../verify/verify.js';
import { SECTIONS, type ChartSpec } from './queries.js';

export const REPORT_FORMAT = 'mcpgate-evidence-report';
export const REPORT_VERSION = 1;

export type Cell = string | number | boolean | null;

export interface QueryResult {
  readonly id: string;
  readonly title: string;
  readonly note?: string;
  readonly sql: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, Cell>[];
  readonly single: boolean;
  readonly chart?: ChartSpec;
}

export interface SectionResult {
  readonly id: string;
  readonly title: string;
  readonly criteria: string;
  readonly queries: readonly QueryResult[];
}

export interface ChainVerification {
  /** The command that reproduces it. */
  readonly command: string;
  readonly ok: boolean;
  readonly records: number;
  readonly chains: number;
  readonly checkpoints: number;
  readonly problems: readonly { chain: string; seq: number; kind: string; detail: string }[];
  readonly problemsTotal: number;
  readonly warnings: readonly string[];
  readonly publicKeys: readonly string[];
}

/** Everything the pack shows: the HTML is rendered from this, and report.json is this. */
export interface ReportData {
  readonly format: typeof REPORT_FORMAT;
  readonly version: number;
  readonly generatedAt: string;
  readonly period: { readonly from: string; readonly to: string };
  /** `$1` and `$2` of every query. */
  readonly parameters: readonly [string, string];
  readonly store: string;
  /** `audit.retention` as configured, or null (keep forever). */
  readonly retention: string | null;
  readonly verification: ChainVerification;
  readonly sections: readonly SectionResult[];
}

export interface BuildOptions {
  readonly from: Date;
  readonly to: Date;
  readonly retention?: string | undefined;
  readonly store?: string;
  readonly now?: Date;
  readonly onVerifyProgress?: (records: number) => void;
  readonly onQuery?: (done: number, total: number) => void;
}

function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/**
 * Runs every report query over [from, to) and verifies the chains the period covers. Memory is
 * bounded by the queries' aggregates and LIMITs, not by the number of records: the chain walk
 * streams in keyset batches.
 */
export async function buildReport(sql: SqlQueryable, opts: BuildOptions): Promise<ReportData> {
  const params: [string, string] = [opts.from.toISOString(), opts.to.toISOString()];
  const v = await verifyStore(sql, {
    from: opts.from,
    to: opts.to,
    ...(opts.onVerifyProgress ? { onProgress: opts.onVerifyProgress } : {}),
  });
  const total = SECTIONS.reduce((n, s) => n + s.queries.length, 0);
  let done = 0;
  const sections: SectionResult[] = [];
  for (const s of SECTIONS) {
    const queries: QueryResult[] = [];
    for (const q of s.queries) {
      const r = await sql.query<Record<string, unknown>>(q.sql, params);
      const rows = r.rows.map((row) => {
        const out: Record<string, Cell> = {};
        for (const [k, val] of Object.entries(row)) out[k] = cell(val);
        return out;
      });
      queries.push({
        id: q.id,
        title: q.title,
        ...(q.note ? { note: q.note } : {}),
        sql: q.sql,
        columns: r.rows[0] ? Object.keys(r.rows[0]) : [],
        rows,
        single: q.single === true,
        ...(q.chart ? { chart: q.chart } : {}),
      });
      opts.onQuery?.(++done, total);
    }
    sections.push({ id: s.id, title: s.title, criteria: s.criteria, queries });
  }
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    period: { from: params[0], to: params[1] },
    parameters: params,
    store: opts.store ?? 'postgres',
    retention: opts.retention ?? null,
    verification: {
      command: `mcpgate audit verify --from ${params[0]} --to ${params[1]}`,
      ok: v.ok,
      records: v.events,
      chains: v.chains,
      checkpoints: v.checkpoints,
      problems: v.problems.slice(0, 20).map((p) => ({ ...p })),
      problemsTotal: v.problems.length,
      warnings: v.warnings,
      publicKeys: v.publicKeys,
    },
    sections,
  };
}

/** One query's rows, by section and query id (for readers of report.json and the tests). */
export function reportRows(data: ReportData, queryId: string): readonly Record<string, Cell>[] {
  for (const s of data.sections) for (const q of s.queries) if (q.id === queryId) return q.rows;
  throw new Error(`no query "${queryId}" in the report`);
}
