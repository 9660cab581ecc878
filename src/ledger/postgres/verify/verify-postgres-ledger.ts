import type { Pool, PoolClient } from 'pg';
import type { InvariantResult, VerifyOptions } from '../../ledger-types.js';
import { findRecordsKeptSinceMs } from '../../verify-shared/find-unrecorded-settlements.js';
import { ledgerAccounts } from '../../ledger-accounts.js';
import { checkBoundedSpend } from './check-bounded-spend.js';
import { checkConservation } from './check-conservation.js';
import { checkExactlyOnce } from './check-exactly-once.js';
import { checkHoldsDrain } from './check-holds-drain.js';
import { checkIdempotency } from './check-idempotency.js';
import { checkIsolation } from './check-isolation.js';
import { checkNoLostUsage } from './check-no-lost-usage.js';
import { checkSaneAmounts } from './check-sane-amounts.js';
import { queryRows } from './verify-context.js';
import { withTransaction } from '../../../storage/postgres/with-transaction.js';

/** Every account's cached balance: both org accounts from each org row, platform accounts folded plus unfolded. */
async function readCachedBalances(client: PoolClient): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const row of await queryRows<{ org_id: string; available_nanos: bigint; held_nanos: bigint }>(
    { client },
    'SELECT org_id, available_nanos, held_nanos FROM ledger_org_balances',
  )) {
    balances.set(ledgerAccounts.orgAvailable(row.org_id), row.available_nanos);
    balances.set(ledgerAccounts.orgHeld(row.org_id), row.held_nanos);
  }
  for (const row of await queryRows<{ account: string; balance: bigint }>(
    { client },
    `SELECT account, SUM(balance)::bigint AS balance FROM (
       SELECT account, balance FROM ledger_balances UNION ALL SELECT account, delta FROM ledger_balance_deltas
     ) AS platform GROUP BY account`,
  )) {
    balances.set(row.account, row.balance);
  }
  return balances;
}

/**
 * Checks INV-1..INV-8 against the PostgreSQL store, as the SQLite driver does (same checks, same lines), plus the
 * caches only this layout has (each key's held and charged totals). Every check reads one REPEATABLE READ snapshot,
 * so nodes writing meanwhile cannot make the totals disagree.
 */
export function verifyPostgresLedger(
  pool: Pool,
  times: { readonly nowMs: number; readonly graceMs: number },
  options: VerifyOptions = {},
): Promise<InvariantResult[]> {
  const { nowMs, graceMs } = times;
  const recordsKeptSinceMs = findRecordsKeptSinceMs(nowMs, options);
  return withTransaction(
    pool,
    async (client) => {
      const cachedBalances = await readCachedBalances(client);
      const context = { client, nowMs, graceMs, recordsKeptSinceMs, cachedBalances };
      return [
        await checkConservation(context),
        await checkBoundedSpend(context),
        await checkExactlyOnce(context),
        await checkNoLostUsage(context),
        await checkHoldsDrain(context),
        await checkIdempotency(context),
        await checkSaneAmounts(context),
        await checkIsolation(context),
      ];
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}
