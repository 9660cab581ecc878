import type { InvariantResult } from '../../ledger-types.js';
import type { VerifyContext } from './verify-context.js';
import { addTotal, compareTotals, createInvariantResult, queryRows } from './verify-context.js';

const derivedBalancesSql = `
  SELECT account, SUM(delta) AS balance FROM (
    SELECT credit_account AS account, amount AS delta FROM ledger_postings
    UNION ALL SELECT debit_account AS account, -amount AS delta FROM ledger_postings
  ) GROUP BY account`;

/** Which accounts each kind of posting may move money between (ledger-types.ts). */
const misshapenPostingsSql = `
  SELECT id, kind, debit_account, credit_account FROM ledger_postings WHERE NOT (CASE kind
    WHEN 'grant' THEN debit_account = 'platform:grants' AND credit_account GLOB 'org:?*:available'
    WHEN 'hold' THEN debit_account GLOB 'org:?*:available'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 10) || ':held'
    WHEN 'top_up' THEN debit_account GLOB 'org:?*:available'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 10) || ':held'
    WHEN 'charge' THEN debit_account GLOB 'org:?*:held' AND credit_account = 'platform:revenue'
    WHEN 'release' THEN debit_account GLOB 'org:?*:held'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 5) || ':available'
    WHEN 'expire' THEN debit_account GLOB 'org:?*:held'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 5) || ':available'
    WHEN 'provider_cost' THEN debit_account IN ('platform:inference_cost', 'platform:insurance_expense')
      AND credit_account GLOB 'platform:provider_payable:?*'
    WHEN 'refund' THEN debit_account = 'platform:revenue' AND credit_account GLOB 'org:?*:available'
    ELSE 0 END) ORDER BY id`;

const keyChargesByDaySql = `
  SELECT key_id, (created_at_ms / 86400000) * 86400000 AS day_start_ms, SUM(amount) AS total
  FROM ledger_postings WHERE kind = 'charge' AND key_id IS NOT NULL GROUP BY key_id, day_start_ms`;

type Failures = ReturnType<typeof createInvariantResult>;

/** Postings are never updated or deleted: both triggers exist, and ids run 1..N with no gap at the end either. */
function checkAppendOnly(context: VerifyContext, result: Failures): void {
  const triggers = queryRows<{ name: string }>(
    context.database,
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ('ledger_postings_no_update', 'ledger_postings_no_delete')",
  );
  if (triggers.length !== 2) result.fail('an append-only trigger on ledger_postings is missing');
  const [ids] = queryRows<{ count: bigint; max: bigint }>(
    context.database,
    'SELECT COUNT(*) AS count, COALESCE(MAX(id), 0) AS max FROM ledger_postings',
  );
  const [sequence] = queryRows<{ seq: bigint }>(
    context.database,
    "SELECT seq FROM sqlite_sequence WHERE name = 'ledger_postings'",
  );
  const count = ids?.count ?? 0n;
  const maxId = ids?.max ?? 0n;
  if (count !== maxId) result.fail(`posting ids have gaps: ${count} postings, highest id ${maxId} (postings deleted)`);
  const lastId = sequence?.seq ?? 0n;
  if (lastId !== maxId) result.fail(`postings up to id ${lastId} were issued, the highest left is ${maxId} (deleted)`);
}

function checkCaches(context: VerifyContext, result: Failures): void {
  const derived = new Map<string, bigint>();
  const derivedRows = queryRows<{ account: string; balance: bigint }>(context.database, derivedBalancesSql);
  for (const row of derivedRows) derived.set(row.account, row.balance);
  compareTotals(derived, context.cachedBalances, (account, fromPostings, cached) =>
    result.fail(`${account}: cached balance ${cached}, postings say ${fromPostings}`),
  );
  const buckets = new Map<string, bigint>();
  const bucketRows = queryRows<{ key_id: string; day_start_ms: bigint; charged_nanos: bigint }>(
    context.database,
    'SELECT key_id, day_start_ms, charged_nanos FROM ledger_key_spend_days',
  );
  for (const row of bucketRows) buckets.set(`${row.key_id} day ${row.day_start_ms}`, row.charged_nanos);
  const charges = new Map<string, bigint>();
  for (const row of queryRows<{ key_id: string; day_start_ms: bigint; total: bigint }>(
    context.database,
    keyChargesByDaySql,
  )) {
    addTotal(charges, `${row.key_id} day ${row.day_start_ms}`, row.total);
  }
  compareTotals(charges, buckets, (bucket, fromPostings, cached) =>
    result.fail(`key spend of ${bucket}: cached ${cached}, charges say ${fromPostings}`),
  );
}

/**
 * INV-1 Conservation: Σ of all cached balances is 0; each cached balance (and each
 * cached key-day spend) equals what its postings say; every posting moves a positive
 * amount between two different accounts its kind allows; postings are append-only.
 */
export function checkConservation(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-1', 'Conservation');
  let total = 0n;
  for (const balance of context.cachedBalances.values()) total += balance;
  if (total !== 0n) result.fail(`Σ cached balances is ${total}, not 0`);
  checkCaches(context, result);
  const badAmounts = queryRows<{ id: bigint; amount: bigint }>(
    context.database,
    'SELECT id, amount FROM ledger_postings WHERE amount <= 0 ORDER BY id',
  );
  for (const row of badAmounts) result.fail(`posting #${row.id} has amount ${row.amount} (must be > 0)`);
  const misshapen = queryRows<{ id: bigint; kind: string; debit_account: string; credit_account: string }>(
    context.database,
    misshapenPostingsSql,
  );
  for (const row of misshapen) {
    result.fail(
      `posting #${row.id} (${row.kind}) moves ${row.debit_account} → ${row.credit_account}, not allowed for its kind`,
    );
  }
  checkAppendOnly(context, result);
  return result.finish();
}
