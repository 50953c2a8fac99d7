export {
  everythingBin,
  filesystemBin,
  memoryBin,
  modernServerBin,
  mutableServerBin,
  plantedServerBin,
} from './bins.js';
export { PLANTED } from './planted.js';
export { freePort, startEverythingHttp, startModernHttp } from './http.js';
export type { RunningHttpServer } from './http.js';
export { pgSchema } from './pg.js';
export type { PgDatabase } from './pg.js';
export { simulateAuditMonth } from './audit-month.js';
export type { MonthTruth } from './audit-month.js';
