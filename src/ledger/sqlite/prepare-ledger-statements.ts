import type { Database, Statement } from 'better-sqlite3';
import type { DeferredBalances } from './balance-deltas.js';
import type { HoldRow, PostingRow } from './ledger-rows.js';
import { holdFlowKinds } from './ledger-sql.js';
import type { UnwrittenHoldsSlot, WrittenHoldsSlot } from './unwritten-holds.js';

type Sum = { readonly total: bigint };

const postingColumns =
  'id, transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms';
const holdColumns =
  'request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos';

function prepareWriteStatements(database: Database) {
  return {
    insertPosting: database.prepare<
      [string, string, string, bigint, string, string | null, string | null, string | null, number]
    >(
      `INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Update, then insert when missing: an upsert would evaluate the CHECK on the row it tries to insert
    // (a debit's negative delta) before falling back to the update, and refuse every debit of an org account.
    addToBalance: database.prepare<[bigint, string]>(
      'UPDATE ledger_balances SET balance = balance + ? WHERE account = ?',
    ),
    insertBalance: database.prepare<[string, bigint]>('INSERT INTO ledger_balances (account, balance) VALUES (?, ?)'),
    addKeySpendDay: database.prepare<[string, number, bigint]>(
      `INSERT INTO ledger_key_spend_days (key_id, day_start_ms, charged_nanos) VALUES (?, ?, ?)
       ON CONFLICT (key_id, day_start_ms) DO UPDATE SET charged_nanos = charged_nanos + excluded.charged_nanos`,
    ),
    addOrgCharged: database.prepare<[string, bigint]>(
      `INSERT INTO ledger_org_totals (org_id, charged_nanos) VALUES (?, ?)
       ON CONFLICT (org_id) DO UPDATE SET charged_nanos = charged_nanos + excluded.charged_nanos`,
    ),
    insertHold: database.prepare<[string, string, string, bigint, number, number]>(
      `INSERT INTO ledger_holds (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms)
       VALUES (?, ?, ?, ?, 'active', ?, ?)`,
    ),
    // A hold settled before its row was written (see unwritten-holds.ts): inserted once, already posted.
    insertPostedHold: database.prepare<[string, string, string, bigint, number, number, number, bigint]>(
      `INSERT INTO ledger_holds (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms,
         charged_nanos)
       VALUES (?, ?, ?, ?, 'posted', ?, ?, ?, ?)`,
    ),
    renewHold: database.prepare<[number, string, number]>(
      `UPDATE ledger_holds SET expires_at_ms = ? WHERE request_id = ? AND status = 'active' AND expires_at_ms < ?`,
    ),
    resolveHold: database.prepare<['posted' | 'expired', number, bigint, string]>(
      `UPDATE ledger_holds SET status = ?, resolved_at_ms = ?, charged_nanos = ? WHERE request_id = ? AND status = 'active'`,
    ),
    insertGrant: database.prepare<[string, string, bigint, number]>(
      `INSERT INTO ledger_grants (grant_id, org_id, amount, created_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (grant_id) DO NOTHING`,
    ),
  };
}

/** Reads use `safeIntegers(true)`, so money comes back as the exact bigint that went in. */
function prepareReadStatements(database: Database) {
  const read = <Parameters extends unknown[], Row>(sql: string): Statement<Parameters, Row> =>
    database.prepare<Parameters, Row>(sql).safeIntegers(true);
  return {
    selectGrant: read<[string], { readonly org_id: string; readonly amount: bigint }>(
      'SELECT org_id, amount FROM ledger_grants WHERE grant_id = ?',
    ),
    selectBalance: read<[string], { readonly balance: bigint }>(
      'SELECT balance FROM ledger_balances WHERE account = ?',
    ),
    selectHold: read<[string], HoldRow>(`SELECT ${holdColumns} FROM ledger_holds WHERE request_id = ?`),
    selectActiveHolds: read<[], HoldRow>(
      `SELECT ${holdColumns} FROM ledger_holds WHERE status = 'active' ORDER BY expires_at_ms, request_id`,
    ),
    selectDueHolds: read<[number], HoldRow>(
      `SELECT ${holdColumns} FROM ledger_holds WHERE status = 'active' AND expires_at_ms <= ? ORDER BY expires_at_ms, request_id`,
    ),
    selectProviderCostAttempts: read<[string], { readonly attempt_id: string }>(
      "SELECT attempt_id FROM ledger_postings WHERE request_id = ? AND kind = 'provider_cost'",
    ),
    sumKeySpendDays: read<[string, number], Sum>(
      'SELECT COALESCE(SUM(charged_nanos), 0) AS total FROM ledger_key_spend_days WHERE key_id = ? AND day_start_ms >= ?',
    ),
    sumKeyCharges: read<[string, number, number], Sum>(
      `SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_postings
       WHERE kind = 'charge' AND key_id = ? AND created_at_ms >= ? AND created_at_ms < ?`,
    ),
    sumKeyActiveHolds: read<[string], Sum>(
      "SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_holds WHERE status = 'active' AND key_id = ?",
    ),
    sumActiveHoldsByKey: read<[], { readonly key_id: string; readonly total: bigint }>(
      "SELECT key_id, SUM(amount) AS total FROM ledger_holds WHERE status = 'active' GROUP BY key_id",
    ),
    sumOrgGrants: read<[string], Sum>('SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_grants WHERE org_id = ?'),
    selectOrgCharged: read<[string], { readonly charged_nanos: bigint }>(
      'SELECT charged_nanos FROM ledger_org_totals WHERE org_id = ?',
    ),
    selectAllPostings: read<[], PostingRow>(`SELECT ${postingColumns} FROM ledger_postings ORDER BY id`),
    // Through the two partial unique indexes (their WHERE terms repeated word for word, or SQLite scans): every
    // posting with a request id is a hold-path kind or a provider cost (a grant or refund has none on this path).
    selectPostingsByRequest: read<[string, string], PostingRow>(
      `SELECT ${postingColumns} FROM ledger_postings
       WHERE ${holdFlowKinds()} AND request_id = ?
       UNION ALL SELECT ${postingColumns} FROM ledger_postings WHERE kind = 'provider_cost' AND request_id = ?
       ORDER BY id`,
    ),
    // A scan: only reports read postings by account (nothing on the request path).
    selectPostingsByAccount: read<[string, string], PostingRow>(
      `SELECT ${postingColumns} FROM ledger_postings WHERE debit_account = ? OR credit_account = ? ORDER BY id`,
    ),
  };
}

/**
 * Every statement the ledger runs, prepared once per connection, where a batch keeps its balance deltas
 * until it writes them ({@link deferBalanceWrites}), the holds whose rows it has yet to write, and those it wrote.
 */
export function prepareLedgerStatements(database: Database) {
  const deferred: DeferredBalances = { current: undefined };
  const unwritten: UnwrittenHoldsSlot = { current: undefined };
  const written: WrittenHoldsSlot = { current: undefined };
  return { ...prepareWriteStatements(database), ...prepareReadStatements(database), deferred, unwritten, written };
}

export type LedgerStatements = ReturnType<typeof prepareLedgerStatements>;
