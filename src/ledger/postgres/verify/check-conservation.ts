import type { InvariantResult } from '../../ledger-types.js';
import { addTotal, compareTotals } from '../../verify-shared/compare-totals.js';
import type { InvariantFailures } from '../../verify-shared/create-invariant-result.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import { readOrgFlows } from './read-org-flows.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

const derivedBalancesSql = `
  SELECT account, SUM(delta)::bigint AS balance FROM (
    SELECT credit_account AS account, amount AS delta FROM ledger_postings
    UNION ALL SELECT debit_account AS account, -amount AS delta FROM ledger_postings
  ) AS moves GROUP BY account`;

/** Which accounts each kind of posting may move money between (ledger-types.ts); `_%` is "one character or more". */
const misshapenPostingsSql = `
  SELECT id, kind, debit_account, credit_account FROM ledger_postings WHERE NOT (CASE kind
    WHEN 'grant' THEN debit_account = 'platform:grants' AND credit_account LIKE 'org:_%:available'
    WHEN 'hold' THEN debit_account LIKE 'org:_%:available'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 10) || ':held'
    WHEN 'top_up' THEN debit_account LIKE 'org:_%:available'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 10) || ':held'
    WHEN 'charge' THEN debit_account LIKE 'org:_%:held' AND credit_account = 'platform:revenue'
    WHEN 'release' THEN debit_account LIKE 'org:_%:held'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 5) || ':available'
    WHEN 'expire' THEN debit_account LIKE 'org:_%:held'
      AND credit_account = substr(debit_account, 1, length(debit_account) - 5) || ':available'
    WHEN 'provider_cost' THEN debit_account IN ('platform:inference_cost', 'platform:insurance_expense')
      AND credit_account LIKE 'platform:provider\\_payable:_%'
    WHEN 'refund' THEN debit_account = 'platform:revenue' AND credit_account LIKE 'org:_%:available'
    ELSE false END) ORDER BY id`;

const keyChargesByDaySql = `
  SELECT key_id, (created_at_ms / 86400000) * 86400000 AS day_start_ms, SUM(amount)::bigint AS total
  FROM ledger_postings WHERE kind = 'charge' AND key_id IS NOT NULL GROUP BY key_id, day_start_ms`;

/**
 * Postings are never updated, deleted or truncated: the three triggers exist and are enabled. (Unlike SQLite, ids are
 * not checked for gaps: an identity column skips the values of rolled-back inserts. A posting deleted behind the
 * triggers' back shows in the cached balances it leaves unexplained.)
 */
async function checkAppendOnly(context: PostgresVerifyContext, result: InvariantFailures): Promise<void> {
  const triggers = await queryRows<{ tgname: string }>(
    context,
    `SELECT tgname FROM pg_trigger WHERE tgrelid = 'ledger_postings'::regclass AND tgenabled <> 'D'
       AND tgname IN ('ledger_postings_no_update', 'ledger_postings_no_delete', 'ledger_postings_no_truncate')`,
  );
  if (triggers.length !== 3) result.fail('an append-only trigger on ledger_postings is missing');
}

/** Per key day, the cached spend against the charges. */
async function checkKeyDays(context: PostgresVerifyContext, result: InvariantFailures): Promise<void> {
  const buckets = new Map<string, bigint>();
  for (const row of await queryRows<{ key_id: string; day_start_ms: bigint; charged_nanos: bigint }>(
    context,
    'SELECT key_id, day_start_ms, charged_nanos FROM ledger_key_spend_days',
  )) {
    buckets.set(`${row.key_id} day ${row.day_start_ms}`, row.charged_nanos);
  }
  const charges = new Map<string, bigint>();
  for (const row of await queryRows<{ key_id: string; day_start_ms: bigint; total: bigint }>(
    context,
    keyChargesByDaySql,
  )) {
    addTotal(charges, `${row.key_id} day ${row.day_start_ms}`, row.total);
  }
  compareTotals(charges, buckets, (bucket, fromPostings, cached) =>
    result.fail(`key spend of ${bucket}: cached ${cached}, charges say ${fromPostings}`),
  );
}

/** Each org's cached charged total, and each key's, against the charge postings. */
async function checkChargedTotals(context: PostgresVerifyContext, result: InvariantFailures): Promise<void> {
  const cachedByOrg = new Map<string, bigint>();
  for (const row of await queryRows<{ org_id: string; charged_nanos: bigint }>(
    context,
    'SELECT org_id, charged_nanos FROM ledger_org_balances',
  )) {
    cachedByOrg.set(row.org_id, row.charged_nanos);
  }
  const chargedByOrg = new Map<string, bigint>();
  for (const [orgId, flows] of await readOrgFlows(context)) chargedByOrg.set(orgId, flows.chargedNanos);
  compareTotals(chargedByOrg, cachedByOrg, (orgId, fromPostings, cachedTotal) =>
    result.fail(`charged total of org ${orgId}: cached ${cachedTotal}, charges say ${fromPostings}`),
  );
  const rows = await queryRows<{ key_id: string; cached: bigint | null; charged: bigint | null }>(
    context,
    `SELECT COALESCE(k.key_id, c.key_id) AS key_id, k.charged_nanos AS cached, c.total AS charged
     FROM ledger_key_totals k FULL JOIN (
       SELECT key_id, SUM(amount)::bigint AS total FROM ledger_postings
       WHERE kind = 'charge' AND key_id IS NOT NULL GROUP BY key_id
     ) AS c ON c.key_id = k.key_id
     WHERE COALESCE(k.charged_nanos, 0) <> COALESCE(c.total, 0) ORDER BY COALESCE(k.key_id, c.key_id) COLLATE "C"`,
  );
  for (const row of rows) {
    result.fail(`charged total of key ${row.key_id}: cached ${row.cached ?? 0n}, charges say ${row.charged ?? 0n}`);
  }
}

async function checkCaches(context: PostgresVerifyContext, result: InvariantFailures): Promise<void> {
  const derived = new Map<string, bigint>();
  for (const row of await queryRows<{ account: string; balance: bigint }>(context, derivedBalancesSql)) {
    derived.set(row.account, row.balance);
  }
  compareTotals(derived, context.cachedBalances, (account, fromPostings, cached) =>
    result.fail(`${account}: cached balance ${cached}, postings say ${fromPostings}`),
  );
  await checkKeyDays(context, result);
  await checkChargedTotals(context, result);
}

/**
 * INV-1 Conservation: Σ of all cached balances is 0; each cached balance (and each cached key-day spend, org and key
 * charged total) equals what its postings say; every posting moves a positive amount between two different accounts
 * its kind allows; postings are append-only.
 */
export async function checkConservation(context: PostgresVerifyContext): Promise<InvariantResult> {
  const result = createInvariantResult('INV-1', 'Conservation');
  let total = 0n;
  for (const balance of context.cachedBalances.values()) total += balance;
  if (total !== 0n) result.fail(`Σ cached balances is ${total}, not 0`);
  await checkCaches(context, result);
  const badAmounts = await queryRows<{ id: bigint; amount: bigint }>(
    context,
    'SELECT id, amount FROM ledger_postings WHERE amount <= 0 ORDER BY id',
  );
  for (const row of badAmounts) result.fail(`posting #${row.id} has amount ${row.amount} (must be > 0)`);
  const misshapen = await queryRows<{ id: bigint; kind: string; debit_account: string; credit_account: string }>(
    context,
    misshapenPostingsSql,
  );
  for (const row of misshapen) {
    result.fail(
      `posting #${row.id} (${row.kind}) moves ${row.debit_account} → ${row.credit_account}, not allowed for its kind`,
    );
  }
  await checkAppendOnly(context, result);
  return result.finish();
}
