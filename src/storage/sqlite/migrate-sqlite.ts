import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

const defaultMigrationsDirectory = new URL('./migrations/', import.meta.url);
const migrationFileName = /^(\d{4})-[a-z0-9-]+\.sql$/;

interface MigrationFile {
  readonly version: number;
  readonly name: string;
}

/**
 * Brings the schema up to date: applies the numbered migrations
 * (`migrations/NNNN-name.sql`, read beside this module, so the build copies them
 * into dist/) in order, each in its own transaction together with its row in
 * `schema_migrations(version, applied_at_ms)`. Idempotent: applied versions are
 * skipped, so every start may call it.
 *
 * Each migration runs in an IMMEDIATE transaction that re-checks its version, so
 * two processes starting at once (`meridian migrate` next to `serve`) apply it
 * exactly once: the second waits for the write lock, then sees it applied. A
 * database that has a version this build does not know (written by a newer
 * Meridian) is refused rather than used with a schema the code does not expect.
 * Migration files must not contain their own BEGIN/COMMIT.
 *
 * @returns the versions applied by this call, in order.
 */
export function migrateSqlite(database: Database, options: { readonly directory?: URL } = {}): number[] {
  const directory = options.directory ?? defaultMigrationsDirectory;
  const files = readMigrationFiles(directory);
  database.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)',
  );
  const selectVersions = database.prepare('SELECT version FROM schema_migrations ORDER BY version');
  const readAppliedVersions = (): Set<number> =>
    new Set(selectVersions.all().map((row) => Number((row as { version: number | bigint }).version)));

  const knownVersions = new Set(files.map((file) => file.version));
  const unknownVersions = [...readAppliedVersions()].filter((version) => !knownVersions.has(version));
  if (unknownVersions.length > 0) {
    throw new Error(
      `The database has schema version(s) ${unknownVersions.join(', ')} that this build of Meridian does not know; ` +
        'it was migrated by a newer version. Run that version, or restore a backup.',
    );
  }

  const insertVersion = database.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)');
  const applyIfMissing = database.transaction((file: MigrationFile): boolean => {
    if (readAppliedVersions().has(file.version)) return false;
    database.exec(readFileSync(new URL(file.name, directory), 'utf8'));
    insertVersion.run(file.version, Date.now());
    return true;
  });
  const applied: number[] = [];
  for (const file of files) {
    if (applyIfMissing.immediate(file)) applied.push(file.version);
  }
  return applied;
}

function readMigrationFiles(directory: URL): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const name of readdirSync(directory)) {
    const match = migrationFileName.exec(name);
    if (match === null) continue;
    files.push({ version: Number(match[1]), name });
  }
  files.sort((left, right) => left.version - right.version);
  for (let index = 1; index < files.length; index += 1) {
    if (files[index]!.version === files[index - 1]!.version) {
      throw new Error(
        `Two migrations share version ${files[index]!.version}: ${files[index - 1]!.name}, ${files[index]!.name}`,
      );
    }
  }
  return files;
}
