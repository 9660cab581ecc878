import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { CrossOrgRow } from '../../verify-shared/find-isolation-failures.js';
import { crossOrgRowsSql, findIsolationFailures, isolationNote } from '../../verify-shared/find-isolation-failures.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/**
 * INV-8 Isolation, the store's part: every hold and generation is its key's org's, and every generation is its
 * hold's org's (a call charged to one org and recorded for another would show in the other's Activity). Which
 * routes answer whom is an API property, tested end to end.
 */
export function checkIsolation(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-8', 'Isolation');
  const rows = queryRows<CrossOrgRow>(
    context.database,
    `SELECT * FROM (${crossOrgRowsSql}) ORDER BY kind, id, key_id IS NOT NULL, key_id`,
  );
  findIsolationFailures(rows, result);
  return result.finish(isolationNote);
}
