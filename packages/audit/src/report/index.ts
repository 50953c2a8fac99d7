export { buildReport, reportRows, REPORT_FORMAT, REPORT_VERSION } from './build.js';
export type {
  BuildOptions,
  Cell,
  ChainVerification,
  QueryResult,
  ReportData,
  SectionResult,
} from './build.js';
export { SECTIONS } from './queries.js';
export type { ChartSpec, ReportQuery, ReportSection } from './queries.js';
export { writeReportPack, verifyReportPack, PACK_FORMAT } from './pack.js';
export type { ExtraFile, Manifest, ManifestFile, PackProblem, PackReport } from './pack.js';
export { streamHeldCalls, HELD_CALLS_COLUMNS } from './held-calls.js';
