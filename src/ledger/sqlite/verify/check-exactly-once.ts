import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { HoldPostings } from '../../verify-shared/find-hold-failures.js';
import { findHoldFailures } from '../../verify-shared/find-hold-failures.js';
import { holdFlowKinds } from '../ledger-sql.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

const count = (kind: string): string => `COUNT(CASE WHEN p.kind = '${kind}' THEN 1 END)`;
const total = (kind: string): string => `COALESCE(SUM(CASE WHEN p.kind = '${kind}' THEN p.amount END), 0)`;

/** Each hold with the count and sum of its postings per kind, and how many touch another org's accounts. */
const holdPostingsSql = `
  SELECT h.request_id, h.status, h.amount, h.charged_nanos,
    ${count('hold')} AS holds, ${total('hold')} AS held, ${count('charge')} AS charges, ${total('charge')} AS charged,
    ${count('release')} AS releases, ${total('release')} AS released,
    ${count('top_up')} AS top_ups, ${total('top_up')} AS topped_up,
    ${count('expire')} AS expires, ${total('expire')} AS expired,
    COUNT(CASE WHEN p.debit_account NOT IN ('org:' || h.org_id || ':available', 'org:' || h.org_id || ':held')
      THEN 1 END) AS foreign_legs
  FROM ledger_holds h
  LEFT JOIN ledger_postings p ON p.request_id = h.request_id AND ${holdFlowKinds('p')}
  GROUP BY h.request_id ORDER BY h.request_id`;

/**
 * INV-3 Exactly-once resolution: every hold has one hold posting of its amount; an active
 * hold has no resolution; a posted one at most one charge and one release that add up
 * to it; an expired one exactly one expire of all of it; no hold-flow posting lacks its
 * hold; at most one provider cost per (request, attempt).
 */
export function checkExactlyOnce(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-3', 'Exactly-once resolution');
  for (const row of queryRows<HoldPostings>(context.database, holdPostingsSql)) {
    for (const failure of findHoldFailures(row)) result.fail(failure);
  }
  const orphans = queryRows<{ id: bigint; kind: string; request_id: string }>(
    context.database,
    `SELECT p.id, p.kind, p.request_id FROM ledger_postings p
     WHERE p.kind IN ('hold', 'charge', 'release', 'expire', 'provider_cost')
       AND NOT EXISTS (SELECT 1 FROM ledger_holds h WHERE h.request_id = p.request_id) ORDER BY p.id`,
  );
  for (const row of orphans)
    result.fail(`posting #${row.id} (${row.kind}) is for request ${row.request_id}, which has no hold`);
  const duplicates = queryRows<{ request_id: string; attempt_id: string; count: bigint }>(
    context.database,
    `SELECT request_id, attempt_id, COUNT(*) AS count FROM ledger_postings WHERE kind = 'provider_cost'
     GROUP BY request_id, attempt_id HAVING COUNT(*) > 1 ORDER BY request_id, attempt_id`,
  );
  for (const row of duplicates) {
    result.fail(`request ${row.request_id} attempt ${row.attempt_id} has ${row.count} provider cost postings`);
  }
  return result.finish();
}
