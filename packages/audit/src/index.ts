export { openPostgres, describeUrl } from './store/pg.js';
export type { PostgresOptions } from './store/pg.js';
export { openPglite } from './store/pglite.js';
export type { PgliteOptions } from './store/pglite.js';
export { openStore, storeDir, DEFAULT_STORE_DIR } from './store/open.js';
export type { StoreConfig, OpenStoreOptions } from './store/open.js';
export type { Store, ScriptQueryable } from './store/types.js';
export { migrate, checkSchema, loadMigrations, MIGRATIONS_DIR } from './migrate.js';
export type { Migration, MigrateOptions, MigrateReport } from './migrate.js';
