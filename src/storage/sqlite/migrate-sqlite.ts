import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

const migrationsDirectory = new URL('./migrations/', import.meta.url);

/**
 * Applies numbered migrations (`NNNN-name.sql`) in order, each in its own
 * transaction, recording them in `schema_migrations`. Idempotent on restart.
 */
export function migrateSqlite(database: Database): number[] {
  database.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)',
  );
  const applied = new Set(
    database
      .prepare('SELECT version FROM schema_migrations')
      .all()
      .map((row) => (row as { version: number }).version),
  );
  const files = readdirSync(migrationsDirectory)
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .sort();
  const newlyApplied: number[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (applied.has(version)) continue;
    const sql = readFileSync(new URL(file, migrationsDirectory), 'utf8');
    database.transaction(() => {
      database.exec(sql);
      database.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)').run(version, Date.now());
    })();
    newlyApplied.push(version);
  }
  return newlyApplied;
}
