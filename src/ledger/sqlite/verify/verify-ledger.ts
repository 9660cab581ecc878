import type { Database } from 'better-sqlite3';
import type { InvariantResult, VerifyOptions } from '../../ledger-types.js';
import { findRecordsKeptSinceMs } from '../../verify-shared/find-unrecorded-settlements.js';
import { checkBoundedSpend } from './check-bounded-spend.js';
import { checkConservation } from './check-conservation.js';
import { checkExactlyOnce } from './check-exactly-once.js';
import { checkHoldsDrain } from './check-holds-drain.js';
import { checkIdempotency } from './check-idempotency.js';
import { checkIsolation } from './check-isolation.js';
import { checkNoLostUsage } from './check-no-lost-usage.js';
import { checkSaneAmounts } from './check-sane-amounts.js';
import { queryRows } from './verify-context.js';

/**
 * Checks INV-1..INV-8 against the store. The caller runs it inside one read
 * transaction, so every check sees the same snapshot while other connections write.
 */
export function verifyLedger(
  database: Database,
  times: { readonly nowMs: number; readonly graceMs: number },
  options: VerifyOptions = {},
): readonly InvariantResult[] {
  const { nowMs, graceMs } = times;
  const balances = queryRows<{ account: string; balance: bigint }>(
    database,
    'SELECT account, balance FROM ledger_balances',
  );
  const context = {
    database,
    nowMs,
    graceMs,
    recordsKeptSinceMs: findRecordsKeptSinceMs(nowMs, options),
    cachedBalances: new Map(balances.map((row) => [row.account, row.balance])),
  };
  return [
    checkConservation(context),
    checkBoundedSpend(context),
    checkExactlyOnce(context),
    checkNoLostUsage(context),
    checkHoldsDrain(context),
    checkIdempotency(context),
    checkSaneAmounts(context),
    checkIsolation(context),
  ];
}
