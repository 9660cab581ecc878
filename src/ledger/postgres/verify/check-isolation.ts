import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { CrossOrgRow } from '../../verify-shared/find-isolation-failures.js';
import { crossOrgRowsSql, findIsolationFailures, isolationNote } from '../../verify-shared/find-isolation-failures.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/**
 * INV-8 Isolation, the store's part, as on SQLite: every hold and generation is its key's org's, and every generation
 * is its hold's org's. Which routes answer whom is an API property, tested end to end.
 */
export async function checkIsolation(context: PostgresVerifyContext): Promise<InvariantResult> {
  const result = createInvariantResult('INV-8', 'Isolation');
  const rows = await queryRows<CrossOrgRow>(
    context,
    `SELECT * FROM (${crossOrgRowsSql}) AS rows
     ORDER BY kind COLLATE "C", id COLLATE "C", key_id IS NOT NULL, key_id COLLATE "C"`,
  );
  findIsolationFailures(rows, result);
  return result.finish(isolationNote);
}
