export { openPostgres, describeUrl } from './store/pg.js';
export type { PostgresOptions } from './store/pg.js';
export { openPglite } from './store/pglite.js';
export type { PgliteOptions } from './store/pglite.js';
export { openStore, storeDir, DEFAULT_STORE_DIR } from './store/open.js';
export { serveStoreControl } from './store/control-server.js';
export type { ControlServer } from './store/control-server.js';
export type { StoreConfig, OpenStoreOptions } from './store/open.js';
export type { Store, ScriptQueryable } from './store/types.js';
export { migrate, checkSchema, loadMigrations, MIGRATIONS_DIR } from './migrate.js';
export type { Migration, MigrateOptions, MigrateReport } from './migrate.js';
export { GENESIS_HASH, eventHash, eventHeader } from './chain/event.js';
export type { EventInput, EventRow } from './chain/event.js';
export {
  generateSigningKey,
  loadOrCreateSigningKey,
  signingKeyFromPem,
  publicKeyBase64,
  checkpointMessage,
  signCheckpoint,
  verifyCheckpoint,
} from './chain/keys.js';
export type { SigningKey, CheckpointClaim } from './chain/keys.js';
export { AuditRecorder } from './recorder/recorder.js';
export type {
  AuditStats,
  RecorderOptions,
  NotificationRecord,
  AuditReader,
  CheckpointRow,
} from './recorder/recorder.js';
export { EVENT_TYPES, OUTCOME_UNKNOWN_REASON } from './recorder/records.js';
export { DEFAULT_PAYLOAD_CAP_BYTES, capPayload } from './recorder/payload.js';
export type { TruncatedPayload } from './recorder/payload.js';
export { createAuditSteps, AUDIT_UNAVAILABLE_MESSAGE } from './steps.js';
export type { AuditStepOptions } from './steps.js';
export { verifyStore } from './verify/verify.js';
export { countEvents } from './verify/db.js';
export type { VerifyOptions } from './verify/verify.js';
export { verifyEvents } from './verify/verifier.js';
export type {
  ChainRange,
  CheckpointRecord,
  ProblemKind,
  PurgeRecord,
  VerifyInput,
  VerifyProblem,
  VerifyReport,
  WriterRecord,
} from './verify/types.js';
export { exportAudit } from './export/export.js';
export type { ExportOptions, ExportSummary } from './export/export.js';
export { verifyExportFile } from './export/verify-file.js';
export { EXPORT_FORMAT, EXPORT_VERSION, CSV_COLUMNS } from './export/format.js';
export type { ExportRecord } from './export/format.js';
export { queryCalls, listSessions } from './read/query.js';
export type { CallFilters, CallRow, SessionFilters, SessionRow } from './read/query.js';
export { sessionEvents, renderTimeline } from './read/replay.js';
export type { RenderOptions } from './read/replay.js';
export { purgeAudit } from './read/purge.js';
export type { PurgeResult } from './read/purge.js';
export { proveCall, proveConsistency } from './merkle/prove.js';
export { verifyProof } from './merkle/verify-proof.js';
export type { ProofReport } from './merkle/verify-proof.js';
export { PROOF_FORMAT } from './merkle/proof-file.js';
export type {
  ConsistencyProofFile,
  InclusionProofFile,
  ProofFile,
  SignedCheckpoint,
} from './merkle/proof-file.js';
export { verifyInclusion, verifyConsistency } from './merkle/verify.js';
export { eventLeaf, leafHash, nodeHash } from './merkle/hash.js';
export { createWitnessPublisher } from './witness/index.js';
export type { WitnessConfig } from './witness/index.js';
export { WitnessPublisher } from './witness/publisher.js';
export type { WitnessStats } from './witness/publisher.js';
export { fileWitness } from './witness/file.js';
export { webhookWitness } from './witness/webhook.js';
export type { WebhookWitnessOptions } from './witness/webhook.js';
export { S3Witness } from './witness/s3.js';
export type { S3WitnessOptions } from './witness/s3.js';
export type { Witness, WitnessCopy } from './witness/types.js';
export { readWitness } from './witness/read.js';
export { checkWitness } from './witness/check.js';
export type { WitnessReport } from './witness/check.js';
export { startSinks, createSink } from './sinks/index.js';
export type { SinkConfig } from './sinks/index.js';
export { SinkRunner } from './sinks/runner.js';
export type { SinkStats, SinkRunnerOptions } from './sinks/runner.js';
export { siemRecord } from './sinks/record.js';
export type { SiemRecord, Sink } from './sinks/record.js';
export { otlpLogRecord, otlpLogsRequest } from './sinks/otlp.js';
export {
  buildReport,
  reportRows,
  writeReportPack,
  verifyReportPack,
  streamHeldCalls,
  SECTIONS as REPORT_SECTIONS,
  REPORT_FORMAT,
  PACK_FORMAT,
} from './report/index.js';
export type {
  BuildOptions as ReportOptions,
  Cell as ReportCell,
  ReportData,
  PackProblem,
  PackReport,
  Manifest as PackManifest,
} from './report/index.js';
