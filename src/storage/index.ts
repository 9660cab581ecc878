export type * from './ports.js';
export { createGenerationWriter } from './generation-writer.js';
export type { GenerationWriter } from './generation-writer.js';
export { openSqliteStorage } from './sqlite/open-sqlite-storage.js';
export { openSqliteDatabase, sqliteBusyTimeoutMs } from './sqlite/open-sqlite-database.js';
export { migrateSqlite } from './sqlite/migrate-sqlite.js';
export { runContentPurge, startContentPurge } from './start-content-purge.js';
export type { ContentPurge, ContentPurgeRunOptions } from './start-content-purge.js';
