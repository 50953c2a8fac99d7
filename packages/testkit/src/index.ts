export {
  conformanceServerBin,
  everythingBin,
  filesystemBin,
  loopbackPreload,
  memoryBin,
  modernHttpServerBin,
  modernServerBin,
  mutableServerBin,
  plantedServerBin,
} from './bins.js';
export { PLANTED } from './planted.js';
export { freePort, startEverythingHttp, startModernHttp } from './http.js';
export type { RunningHttpServer, StartEverythingHttpOptions, StartModernHttpOptions } from './http.js';
export { pgSchema } from './pg.js';
export type { PgDatabase, PgSchemaOptions } from './pg.js';
export { simulateAuditMonth } from './audit-month.js';
export type { MonthAppender, MonthOptions, MonthSql, MonthTruth } from './audit-month.js';
