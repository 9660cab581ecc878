import type { Database } from 'better-sqlite3';
import type { OrgStore } from '../ports.js';

interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly created_at_ms: number;
}

/** OrgStore on SQLite; statements prepared once. `ensureOrg` never overwrites an existing org. */
export function createSqliteOrgStore(database: Database): OrgStore {
  const insert = database.prepare(
    'INSERT INTO orgs (id, name, created_at_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const find = database.prepare('SELECT id, name, created_at_ms FROM orgs WHERE id = ?');
  return {
    ensureOrg: (record) => insert.run(record.id, record.name, record.createdAtMs).changes === 1,
    findOrg: (id) => {
      const row = find.get(id) as OrgRow | undefined;
      return row === undefined ? undefined : { id: row.id, name: row.name, createdAtMs: row.created_at_ms };
    },
  };
}
