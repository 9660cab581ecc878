import { dirname } from 'node:path';
import { resolveSqlitePath } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import { deriveResponseSealKey } from '../idempotency/index.js';
import { createKeyService, loadPepper } from '../keys/index.js';
import type { KeyService, ServingKeyService } from '../keys/index.js';
import type { SqliteLedgerOptions } from '../ledger/index.js';
import { openSqliteStorage } from '../storage/index.js';
import type { SqliteWriteGuardOptions, Storage } from '../storage/index.js';
import type { PostgresStorage } from '../storage/postgres/open-postgres-storage.js';
import { assertDataDirectoryUsable, databaseDirectoryRole, prepareDataDirectory } from './prepare-data-directory.js';

/** Whether `storage.url` names PostgreSQL (cluster mode). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * The embedded SQLite storage and the key service over it, for commands that need the synchronous store (`simulate`,
 * `migrate`). Only cli/ and main.ts choose drivers.
 */
export function openStorage(
  config: MeridianConfig,
  env: Readonly<Record<string, string | undefined>>,
  ledger?: SqliteLedgerOptions,
  writeGuard?: SqliteWriteGuardOptions,
): { storage: Storage; keys: KeyService } {
  const sqlitePath = resolveSqlitePath(config.storage.url, config.baseDirectory);
  if (sqlitePath === undefined) {
    throw new Error(`storage.url '${redactUrl(config.storage.url)}': this command needs sqlite:<path>.`);
  }
  prepareDatabaseDirectory(sqlitePath);
  const synchronous = config.storage.sqliteSynchronous;
  const pepper = readPepper(config, env);
  const storage = openSqliteStorage({
    path: sqlitePath,
    synchronous,
    idempotencySealKey: deriveResponseSealKey(pepper),
    ...(ledger === undefined ? {} : { ledger }),
    ...(writeGuard === undefined ? {} : { writeGuard }),
  });
  return { storage, keys: createKeyService({ store: storage.keys, pepper }) };
}

/** Creates the directory an embedded database file goes in; one named line when it cannot be (as for data_dir). */
export function prepareDatabaseDirectory(sqlitePath: string): void {
  if (sqlitePath !== ':memory:') prepareDataDirectory(dirname(sqlitePath), { role: databaseDirectoryRole });
}

/** `serve --check`: the embedded database's directory could be created and written (creates nothing). */
export function assertDatabaseDirectoryUsable(config: MeridianConfig): void {
  const sqlitePath = resolveSqlitePath(config.storage.url, config.baseDirectory);
  if (sqlitePath !== undefined && sqlitePath !== ':memory:') {
    assertDataDirectoryUsable(dirname(sqlitePath), { role: databaseDirectoryRole });
  }
}

/** A serving node's storage, by `storage.url`: embedded SQLite, or PostgreSQL (cluster mode, migrated at open). */
export type NodeStorage =
  | { readonly storage: Storage; readonly keys: ServingKeyService }
  | { readonly storage: PostgresStorage; readonly keys: ServingKeyService };

/** Opens the storage `storage.url` names: `sqlite:<path>` (embedded) or `postgres://…` (cluster mode). */
export async function openNodeStorage(
  config: MeridianConfig,
  env: Readonly<Record<string, string | undefined>>,
  ledger?: SqliteLedgerOptions,
  writeGuard?: SqliteWriteGuardOptions,
): Promise<NodeStorage> {
  if (!isPostgresUrl(config.storage.url)) return openStorage(config, env, ledger, writeGuard);
  // Loaded only in cluster mode: an embedded node never pays for the pg driver's memory.
  const { openPostgresStorage } = await import('../storage/postgres/open-postgres-storage.js');
  // Every node of a cluster has the same pepper (docs/cluster.md), so every node opens the answers another sealed.
  const pepper = readPepper(config, env);
  const idempotencySealKey = deriveResponseSealKey(pepper);
  const storage = await openPostgresStorage(config.storage.url, { idempotencySealKey }).catch((error: unknown) => {
    throw new Error(`storage.url '${redactUrl(config.storage.url)}': cannot open PostgreSQL: ${String(error)}`);
  });
  return { storage, keys: createKeyService({ store: storage.keys, pepper }) };
}

function readPepper(config: MeridianConfig, env: Readonly<Record<string, string | undefined>>): Buffer {
  return loadPepper({ env, dataDirectory: config.dataDirectory });
}

/** A URL as it may be printed: without its password. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}
