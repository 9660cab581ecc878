import { readdirSync, readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import { withTransaction } from './with-transaction.js';

const defaultMigrationsDirectory = new URL('./migrations/', import.meta.url);
const migrationFileName = /^(\d{4})-[a-z0-9-]+\.sql$/;
/** Any constant: every node migrating the same database takes this advisory lock, so one applies and the rest wait. */
const migrationLockId = 7_240_419_001;

interface MigrationFile {
  readonly version: number;
  readonly name: string;
}

/**
 * Brings a PostgreSQL schema up to date with the numbered files in `migrations/` (copied into dist/ by the build), in
 * one transaction: every pending migration and its row in `schema_migrations`, or none of them. Nodes starting
 * together serialise on a transaction-level advisory lock taken first, so each migration is applied exactly once and
 * the lock can never outlive the transaction: behind a pooler in transaction mode a session-level lock would stay
 * with whichever server connection took it, and the next start would wait for it forever. A database with a version
 * this build does not know is refused. Migration files must not contain their own BEGIN/COMMIT.
 *
 * @returns the versions applied by this call, in order.
 */
export async function migratePostgres(pool: Pool, options: { readonly directory?: URL } = {}): Promise<number[]> {
  const directory = options.directory ?? defaultMigrationsDirectory;
  const files = readMigrationFiles(directory);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockId]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at_ms bigint NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    assertKnownVersions(applied, files);
    const appliedNow: number[] = [];
    for (const file of files) {
      if (applied.has(file.version)) continue;
      await client.query(readFileSync(new URL(file.name, directory), 'utf8'));
      await client.query('INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)', [
        file.version,
        Date.now(),
      ]);
      appliedNow.push(file.version);
    }
    return appliedNow;
  });
}

function assertKnownVersions(applied: ReadonlySet<number>, files: readonly MigrationFile[]): void {
  const known = new Set(files.map((file) => file.version));
  const unknown = [...applied].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    throw new Error(
      `The database has schema version(s) ${unknown.join(', ')} that this build of Meridian does not know; ` +
        'it was migrated by a newer version. Run that version, or restore a backup.',
    );
  }
}

function readMigrationFiles(directory: URL): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const name of readdirSync(directory)) {
    const match = migrationFileName.exec(name);
    if (match !== null) files.push({ version: Number(match[1]), name });
  }
  files.sort((left, right) => left.version - right.version);
  for (let index = 1; index < files.length; index += 1) {
    if (files[index]!.version === files[index - 1]!.version) {
      throw new Error(`Two migrations share version ${files[index]!.version}`);
    }
  }
  return files;
}
