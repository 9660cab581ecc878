import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { resolveSqlitePath } from '../config/index.js';
import type { MeridianConfig } from '../config/index.js';
import { openSqliteDatabase, openSqliteStorage } from '../storage/index.js';
import { migratePostgres } from '../storage/postgres/migrate-postgres.js';
import { acceptsStartupSettings, openPostgresPool } from '../storage/postgres/open-postgres-pool.js';
import { loadCliConfig } from './load-cli-config.js';
import { prepareDatabaseDirectory, redactUrl } from './open-storage.js';

/** `meridian migrate`: brings the storage schema up to date, with no server (safe next to a running one). */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply the storage schema migrations (idempotent); prints the schema version before and after')
    .option('--config <path>', 'config file')
    .action(async (options: { config?: string }) => {
      const lines = await migrateStorage(loadCliConfig(options.config).config);
      for (const line of lines) process.stdout.write(`${line}\n`);
    });
}

/**
 * Opens the storage the config names (creating it when absent), which applies every migration this build has not
 * yet applied, each once even with a server starting at the same time (src/storage/sqlite/migrate-sqlite.ts), and
 * the data steps that go with them (the usage rollups backfill). Returns the report lines: the schema version
 * before, the versions applied (or that there were none), the version after. A database migrated by a newer
 * Meridian is refused, untouched.
 */
export async function migrateStorage(config: MeridianConfig): Promise<string[]> {
  const sqlitePath = resolveSqlitePath(config.storage.url, config.baseDirectory);
  if (sqlitePath === undefined) return migratePostgresStorage(config.storage.url);
  if (sqlitePath === ':memory:') {
    throw new Error(`storage.url '${config.storage.url}' is an in-memory database: there is nothing to migrate.`);
  }
  prepareDatabaseDirectory(sqlitePath);
  const before = readSchemaVersions(sqlitePath);
  // The full storage, not only the schema step: opening it also runs the data steps a migration needs.
  openSqliteStorage({ path: sqlitePath, synchronous: config.storage.sqliteSynchronous }).close();
  const after = readSchemaVersions(sqlitePath);
  const applied = after.filter((version) => !before.includes(version));
  return reportMigration(config.storage.url, { before, applied, after });
}

/**
 * Cluster mode's schema (`storage.url: postgres://…`): the same migrations a starting node applies, in one
 * transaction under the same advisory lock, so it is safe while nodes run or start. Behind a pooler that refuses
 * startup settings the pool goes without them, as a node's does. The URL is printed without its password.
 */
async function migratePostgresStorage(url: string): Promise<string[]> {
  const pool = openPostgresPool(url, { connectionsMax: 1, startupSettings: await acceptsStartupSettings(url) });
  try {
    const before = await readPostgresVersions(pool);
    const applied = await migratePostgres(pool);
    const after = await readPostgresVersions(pool);
    return reportMigration(redactUrl(url), { before, applied, after });
  } finally {
    await pool.end();
  }
}

async function readPostgresVersions(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ exists: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS exists",
  );
  if (rows[0]?.exists !== true) return [];
  const versions = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return versions.rows.map((row) => Number(row.version));
}

function reportMigration(
  storage: string,
  versions: {
    readonly before: readonly number[];
    readonly applied: readonly number[];
    readonly after: readonly number[];
  },
): string[] {
  const { before, applied, after } = versions;
  return [
    `Storage: ${storage}`,
    `Schema version before: ${formatVersion(before)}`,
    applied.length === 0
      ? 'Already up to date: no migration applied.'
      : `Applied ${applied.length} migration(s): ${applied.join(', ')}`,
    `Schema version after: ${formatVersion(after)}`,
  ];
}

/** The applied migration versions, ascending; none for a file that does not exist yet (it is not created here). */
function readSchemaVersions(sqlitePath: string): number[] {
  if (!existsSync(sqlitePath)) return [];
  const database = openSqliteDatabase({ path: sqlitePath });
  try {
    const table = database
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (table === undefined) return [];
    return database
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((row) => Number((row as { version: number | bigint }).version));
  } finally {
    database.close();
  }
}

/** The highest applied version (the schema version), 0 for an empty or missing database. */
function formatVersion(versions: readonly number[]): string {
  return versions.length === 0 ? '0 (empty)' : String(versions.at(-1));
}
