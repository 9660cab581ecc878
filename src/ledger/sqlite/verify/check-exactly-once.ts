import type { InvariantResult } from '../../ledger-types.js';
import type { VerifyContext } from './verify-context.js';
import { createInvariantResult, queryRows } from './verify-context.js';

export interface HoldPostings {
  readonly request_id: string;
  readonly status: string;
  readonly amount: bigint;
  readonly charged_nanos: bigint | null;
  readonly holds: bigint;
  readonly held: bigint;
  readonly charges: bigint;
  readonly charged: bigint;
  readonly releases: bigint;
  readonly released: bigint;
  readonly top_ups: bigint;
  readonly topped_up: bigint;
  readonly expires: bigint;
  readonly expired: bigint;
  readonly foreign_legs: bigint;
}

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
  LEFT JOIN ledger_postings p ON p.request_id = h.request_id AND p.kind IN ('hold', 'top_up', 'charge', 'release', 'expire')
  GROUP BY h.request_id ORDER BY h.request_id`;

/** The failures of one hold's postings against its status; empty when it resolved exactly once. */
export function findHoldFailures(row: HoldPostings): string[] {
  const hold = `hold ${row.request_id} (${row.status}, ${row.amount})`;
  const failures: string[] = [];
  // A free request holds 0, with no posting to hold or expire it.
  const postingsPerStep = row.amount > 0n ? 1n : 0n;
  if (row.holds !== postingsPerStep || row.held !== row.amount) {
    failures.push(`${hold} has ${row.holds} hold posting(s) of ${row.held}`);
  }
  if (row.foreign_legs > 0n) failures.push(`${hold} has ${row.foreign_legs} posting(s) on another org's accounts`);
  const resolutions = row.charges + row.releases + row.expires;
  if (row.status !== 'posted' && row.top_ups > 0n) failures.push(`${hold} is ${row.status} but was topped up`);
  if (row.status === 'active' && resolutions > 0n)
    failures.push(`${hold} is active but has ${resolutions} resolution posting(s)`);
  if (row.status === 'posted') {
    if (row.expires > 0n || row.charges > 1n || row.releases > 1n) {
      failures.push(`${hold} has ${row.charges} charge(s), ${row.releases} release(s), ${row.expires} expire(s)`);
    }
    if (row.top_ups > 1n) failures.push(`${hold} has ${row.top_ups} top-ups`);
    if (row.charged + row.released !== row.amount + row.topped_up) {
      failures.push(`${hold} charged ${row.charged} + released ${row.released} ≠ its amount + top-up ${row.topped_up}`);
    }
    if (row.charged_nanos !== row.charged)
      failures.push(`${hold} records charge ${row.charged_nanos}, postings ${row.charged}`);
  }
  if (
    row.status === 'expired' &&
    (row.charges + row.releases > 0n || row.expires !== postingsPerStep || row.expired !== row.amount)
  ) {
    failures.push(
      `${hold} has ${row.expires} expire(s) of ${row.expired}, ${row.charges} charge(s), ${row.releases} release(s)`,
    );
  }
  return failures;
}

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
