import type { Database } from 'better-sqlite3';
import type { OrgRecord, OrgStore } from '../ports.js';

interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly created_at_ms: number;
  readonly markup_basis_points: number;
}

function fromRow(row: OrgRow): OrgRecord {
  return { id: row.id, name: row.name, createdAtMs: row.created_at_ms, markupBasisPoints: row.markup_basis_points };
}

/** OrgStore on SQLite; statements prepared once. `ensureOrg` never overwrites an existing org. */
export function createSqliteOrgStore(database: Database): OrgStore {
  const insert = database.prepare(
    'INSERT INTO orgs (id, name, created_at_ms, markup_basis_points) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const columns = 'id, name, created_at_ms, markup_basis_points';
  const find = database.prepare(`SELECT ${columns} FROM orgs WHERE id = ?`);
  const all = database.prepare(`SELECT ${columns} FROM orgs ORDER BY created_at_ms, id`);
  const setMarkup = database.prepare('UPDATE orgs SET markup_basis_points = ? WHERE id = ?');
  return {
    ensureOrg: (record) =>
      insert.run(record.id, record.name, record.createdAtMs, record.markupBasisPoints).changes === 1,
    findOrg: (id) => {
      const row = find.get(id) as OrgRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    listOrgs: () => (all.all() as OrgRow[]).map(fromRow),
    setMarkup: (id, markupBasisPoints) => setMarkup.run(markupBasisPoints, id).changes === 1,
  };
}
