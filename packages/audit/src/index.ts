export { openPostgres } from './store/pg.js';
export { openPglite } from './store/pglite.js';
export { openStore, storeDir } from './store/open.js';
export { serveStoreControl } from './store/control-server.js';
export type { Store } from './store/types.js';
export { migrate } from './migrate.js';
export { eventHash } from './chain/event.js';
export type { EventRow } from './chain/event.js';
export {
  generateSigningKey,
  loadOrCreateSigningKey,
  signingKeyFromPem,
  signCheckpoint,
} from './chain/keys.js';
export type { SigningKey } from './chain/keys.js';
export { AuditRecorder } from './recorder/recorder.js';
export type { AuditStats, RecorderOptions, AuditReader } from './recorder/recorder.js';
export { createAuditSteps } from './steps.js';
export { verifyStore } from './verify/verify.js';
export { countEvents } from './verify/db.js';
export type { VerifyReport } from './verify/types.js';
export { exportAudit } from './export/export.js';
export { verifyExportFile } from './export/verify-file.js';
export { queryCalls, listSessions } from './read/query.js';
export type { CallFilters, CallRow } from './read/query.js';
export { sessionEvents, renderTimeline } from './read/replay.js';
export { purgeAudit } from './read/purge.js';
export { proveCall, proveConsistency } from './merkle/prove.js';
export { verifyProof } from './merkle/verify-proof.js';
export { createWitnessPublisher } from './witness/index.js';
export type { WitnessConfig } from './witness/index.js';
export { WitnessPublisher } from './witness/publisher.js';
export type { WitnessStats } from './witness/publisher.js';
export { readWitness } from './witness/read.js';
export { checkWitness } from './witness/check.js';
export type { WitnessReport } from './witness/check.js';
export { startSinks } from './sinks/index.js';
export type { SinkConfig } from './sinks/index.js';
export { SinkRunner } from './sinks/runner.js';
export type { SinkStats } from './sinks/runner.js';
export { buildReport, writeReportPack, verifyReportPack, streamHeldCalls } from './report/index.js';
export type { PackReport } from './report/index.js';
