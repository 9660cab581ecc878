import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function createDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-migrations-'));
  directories.push(directory);
  return directory;
}

/** A migrations folder with the given files, as the URL `migrateSqlite` takes. */
function createMigrations(files: Record<string, string>): { directory: string; url: URL } {
  const directory = createDirectory();
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(directory, name), sql);
  return { directory, url: pathToFileURL(`${directory}/`) };
}

function readNames(database: Database, type: 'table' | 'index'): string[] {
  return database
    .prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all(type)
    .map((row) => (row as { name: string }).name);
}

function readVersions(database: Database): number[] {
  return database
    .prepare('SELECT version FROM schema_migrations ORDER BY version')
    .all()
    .map((row) => (row as { version: number }).version);
}

/** Versions of the migrations shipped in src/storage/sqlite/migrations. */
const shippedVersions = readdirSync(new URL('./migrations/', import.meta.url))
  .filter((name) => /^\d{4}-.*\.sql$/.test(name))
  .map((name) => Number(name.slice(0, 4)))
  .sort((left, right) => left - right);

describe('migrateSqlite', () => {
  it('applies every shipped migration once (0001 creates the core tables), then does nothing', () => {
    const database = openSqliteDatabase({ path: ':memory:' });
    expect(shippedVersions[0]).toBe(1);
    expect(migrateSqlite(database)).toEqual(shippedVersions);
    expect(readNames(database, 'table')).toEqual(
      expect.arrayContaining(['api_keys', 'generations', 'orgs', 'schema_migrations']),
    );
    expect(readNames(database, 'index')).toEqual(expect.arrayContaining(['api_keys_org', 'generations_org_started']));
    // Dropped by 0012: no query read it, and every record paid an insert into it.
    expect(readNames(database, 'index')).not.toContain('generations_key_started');
    expect(migrateSqlite(database)).toEqual([]);
    expect(readVersions(database)).toEqual(shippedVersions);
    database.close();
  });

  it('applies a migration once when two connections migrate the same file', () => {
    const path = join(createDirectory(), 'meridian.db');
    const first = openSqliteDatabase({ path });
    const second = openSqliteDatabase({ path });
    expect(migrateSqlite(first)).toEqual(shippedVersions);
    expect(migrateSqlite(second)).toEqual([]);
    expect(readVersions(second)).toEqual(shippedVersions);
    first.close();
    second.close();
  });

  it('applies files in numeric order and only the new ones later', () => {
    const { directory, url } = createMigrations({
      '0002-add-b.sql': 'CREATE TABLE b (id INTEGER REFERENCES a(id));',
      '0001-add-a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
      'README.md': 'not a migration',
    });
    const database = openSqliteDatabase({ path: ':memory:' });
    expect(migrateSqlite(database, { directory: url })).toEqual([1, 2]);
    writeFileSync(join(directory, '0003-add-c.sql'), 'CREATE TABLE c (id INTEGER);');
    expect(migrateSqlite(database, { directory: url })).toEqual([3]);
    expect(readVersions(database)).toEqual([1, 2, 3]);
    database.close();
  });

  it('rolls a failing migration back whole and keeps the ones before it', () => {
    const { url } = createMigrations({
      '0001-add-a.sql': 'CREATE TABLE a (id INTEGER PRIMARY KEY);',
      '0002-broken.sql': 'CREATE TABLE b (id INTEGER); CREATE TABLE oops (;',
    });
    const database = openSqliteDatabase({ path: ':memory:' });
    expect(() => migrateSqlite(database, { directory: url })).toThrow();
    expect(readVersions(database)).toEqual([1]);
    expect(readNames(database, 'table')).toEqual(['a', 'schema_migrations']);
    database.close();
  });

  it('refuses a database migrated by a newer build', () => {
    const database = openSqliteDatabase({ path: ':memory:' });
    migrateSqlite(database);
    database.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (9999, 0)').run();
    expect(() => migrateSqlite(database)).toThrow('schema version(s) 9999');
    database.close();
  });

  it('refuses two files with one version number', () => {
    const { url } = createMigrations({ '0001-a.sql': 'SELECT 1;', '0001-b.sql': 'SELECT 2;' });
    const database = openSqliteDatabase({ path: ':memory:' });
    expect(() => migrateSqlite(database, { directory: url })).toThrow('share version 1');
    database.close();
  });
});
