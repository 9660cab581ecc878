import type { InvariantFailures } from './create-invariant-result.js';

/** A hold or generation booked to another org than its key's or (a generation) its hold's, as each driver reads it. */
export interface CrossOrgRow {
  readonly kind: 'hold' | 'generation';
  readonly id: string;
  readonly org_id: string;
  /** The key's id, or null when the row disagrees with its hold. */
  readonly key_id: string | null;
  readonly other_org_id: string;
}

/**
 * The rows of INV-8's query, one UNION branch each: holds and generations whose key belongs to another org, and
 * generations whose hold is another org's. A key missing from `api_keys` (a test's) is not a disagreement.
 */
export const crossOrgRowsSql = `
  SELECT 'hold' AS kind, h.request_id AS id, h.org_id, h.key_id, k.org_id AS other_org_id
  FROM ledger_holds h JOIN api_keys k ON k.id = h.key_id WHERE k.org_id <> h.org_id
  UNION ALL
  SELECT 'generation' AS kind, g.id, g.org_id, g.key_id, k.org_id AS other_org_id
  FROM generations g JOIN api_keys k ON k.id = g.key_id WHERE k.org_id <> g.org_id
  UNION ALL
  SELECT 'generation' AS kind, g.id, g.org_id, NULL AS key_id, h.org_id AS other_org_id
  FROM generations g JOIN ledger_holds h ON h.request_id = g.id WHERE h.org_id <> g.org_id`;

/** INV-8's failure lines, whichever driver read the rows. */
export function findIsolationFailures(rows: readonly CrossOrgRow[], result: InvariantFailures): void {
  for (const row of rows) {
    const other =
      row.key_id === null
        ? `its hold is for org ${row.other_org_id}`
        : `its key ${row.key_id} belongs to org ${row.other_org_id}`;
    result.fail(`${row.kind} ${row.id} is for org ${row.org_id}, but ${other}`);
  }
}

/** What INV-8 notes: the store holds only part of isolation. */
export const isolationNote = "the store's part; the API's part is tested end to end";
