import { resolveSqlitePath } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import { createKeyService, loadPepper } from '../keys/index.js';
import type { KeyService } from '../keys/index.js';
import type { SqliteLedgerOptions } from '../ledger/index.js';
import { openSqliteStorage } from '../storage/index.js';
import type { Storage } from '../storage/index.js';

/**
 * Chooses the storage driver from `storage.url` (only cli/ and main.ts choose
 * drivers) and the key service over it. PostgreSQL arrives with cluster mode.
 */
export function openStorage(
  config: MeridianConfig,
  env: Readonly<Record<string, string | undefined>>,
  ledger?: SqliteLedgerOptions,
): { storage: Storage; keys: KeyService } {
  const sqlitePath = resolveSqlitePath(config.storage.url, config.baseDirectory);
  if (sqlitePath === undefined) {
    throw new Error(
      `storage.url '${config.storage.url}': PostgreSQL (cluster mode) is not available in this version; use sqlite:<path>.`,
    );
  }
  const synchronous = config.storage.sqliteSynchronous;
  const storage = openSqliteStorage(
    ledger === undefined ? { path: sqlitePath, synchronous } : { path: sqlitePath, ledger, synchronous },
  );
  const pepper = loadPepper({ env, dataDirectory: config.dataDirectory });
  return { storage, keys: createKeyService({ store: storage.keys, pepper }) };
}
