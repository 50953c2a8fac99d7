export {
  everythingBin,
  filesystemBin,
  loopbackPreload,
  memoryBin,
  modernServerBin,
  mutableServerBin,
} from './bins.js';
export { freePort, startEverythingHttp } from './http.js';
export type { RunningHttpServer, StartEverythingHttpOptions } from './http.js';
export { pgSchema } from './pg.js';
export type { PgDatabase, PgSchemaOptions } from './pg.js';
