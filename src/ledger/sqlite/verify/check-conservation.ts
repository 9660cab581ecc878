import type { InvariantResult } from '../../ledger-types.js';
import { addTotal, compareTotals } from '../../verify-shared/compare-totals.js';
import type { InvariantFailures } from '../../verify-shared/create-invariant-result.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { VerifyContext } from './verify-context.js';
import { readOrgFlows } from './read-org-flows.js';
import { queryRows } from './verify-context.js';

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

/**
 * Postings are never updated or deleted: both triggers exist, and ids run 1..N with no gap. Ids are plain rowids
 * (no AUTOINCREMENT, so no sqlite_sequence to compare with): SQLite issues max(id) + 1, and since the delete
 * trigger refuses every delete, no id is freed and issued again. A deletion behind the triggers' back shows as a
 * gap, or, for the last posting, in the cached balances it leaves unexplained.
 */
function checkAppendOnly(context: VerifyContext, result: InvariantFailures): void {
  const triggers = queryRows<{ name: string }>(
    context.database,
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ('ledger_postings_no_update', 'ledger_postings_no_delete')",
  );
  if (triggers.length !== 2) result.fail('an append-only trigger on ledger_postings is missing');
  const [ids] = queryRows<{ count: bigint; max: bigint }>(
    context.database,
    'SELECT COUNT(*) AS count, COALESCE(MAX(id), 0) AS max FROM ledger_postings',
  );
  const count = ids?.count ?? 0n;
  const maxId = ids?.max ?? 0n;
  if (count !== maxId) result.fail(`posting ids have gaps: ${count} postings, highest id ${maxId} (postings deleted)`);
}

/** Each org's cached charged total (ledger_org_totals) against its charge postings. */
function checkOrgTotals(context: VerifyContext, result: InvariantFailures): void {
  const cached = new Map<string, bigint>();
  for (const row of queryRows<{ org_id: string; charged_nanos: bigint }>(
    context.database,
    'SELECT org_id, charged_nanos FROM ledger_org_totals',
  )) {
    cached.set(row.org_id, row.charged_nanos);
  }
  const charged = new Map<string, bigint>();
  for (const [orgId, flows] of readOrgFlows(context)) {
    if (flows.chargedNanos !== 0n) charged.set(orgId, flows.chargedNanos);
  }
  compareTotals(charged, cached, (orgId, fromPostings, cachedTotal) =>
    result.fail(`charged total of org ${orgId}: cached ${cachedTotal}, charges say ${fromPostings}`),
  );
}

function checkCaches(context: VerifyContext, result: InvariantFailures): void {
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
  checkOrgTotals(context, result);
}

/**
 * INV-1 Conservation: Σ of all cached balances is 0; each cached balance (and each
 * cached key-day spend and org charged total) equals what its postings say; every posting moves a positive
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
