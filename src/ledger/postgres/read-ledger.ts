import type { Pool } from 'pg';
import type { Hold, Nanos, OrgBalance, Posting } from '../ledger-types.js';
import { findDayStartMs } from '../sqlite/append-posting.js';
import { convertHoldRow, convertPostingRow } from '../sqlite/ledger-rows.js';
import type { HoldRow, PostingRow } from '../sqlite/ledger-rows.js';

const dayMs = 86_400_000;
const holdColumns =
  'request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos';
const postingColumns =
  'id, transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms';

/**
 * Reads of the PostgreSQL ledger. Each is one statement, so it sees one snapshot; none locks anything. Text sorts
 * bytewise (`COLLATE "C"`), as SQLite's BINARY does, whatever the database's collation.
 */

/** Available, held and charged from the org's cached row, granted summed over its grants (indexed by org). */
export async function readOrgBalance(pool: Pool, orgId: string): Promise<OrgBalance> {
  const { rows } = await pool.query<{
    available_nanos: bigint | null;
    held_nanos: bigint | null;
    charged_nanos: bigint | null;
    granted_nanos: bigint;
  }>(
    `SELECT o.available_nanos, o.held_nanos, o.charged_nanos,
       (SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger_grants WHERE org_id = $1) AS granted_nanos
     FROM (SELECT 1) AS one LEFT JOIN ledger_org_balances o ON o.org_id = $1`,
    [orgId],
  );
  const row = rows[0];
  return {
    availableNanos: row?.available_nanos ?? 0n,
    heldNanos: row?.held_nanos ?? 0n,
    grantedNanos: row?.granted_nanos ?? 0n,
    chargedNanos: row?.charged_nanos ?? 0n,
  };
}

/**
 * A key's charges since `windowStartMs` plus its active holds. Whole UTC days come from the day buckets; only a window
 * that starts mid-day reads that first partial day from the postings.
 */
export async function readKeySpend(
  pool: Pool,
  keyId: string,
  windowStartMs: number,
): Promise<{ readonly spentNanos: Nanos; readonly heldNanos: Nanos }> {
  const dayStartMs = findDayStartMs(windowStartMs);
  const firstWholeDayMs = dayStartMs === windowStartMs ? windowStartMs : dayStartMs + dayMs;
  const { rows } = await pool.query<{ spent_nanos: bigint; held_nanos: bigint }>(
    `SELECT
       (COALESCE((SELECT SUM(charged_nanos) FROM ledger_key_spend_days WHERE key_id = $1 AND day_start_ms >= $3), 0)
         + COALESCE((SELECT SUM(amount) FROM ledger_postings
             WHERE kind = 'charge' AND key_id = $1 AND created_at_ms >= $2 AND created_at_ms < $3), 0))::bigint
         AS spent_nanos,
       (SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger_holds WHERE status = 'active' AND key_id = $1) AS held_nanos`,
    [keyId, windowStartMs, firstWholeDayMs],
  );
  return { spentNanos: rows[0]?.spent_nanos ?? 0n, heldNanos: rows[0]?.held_nanos ?? 0n };
}

export async function readHold(pool: Pool, requestId: string): Promise<Hold | undefined> {
  const { rows } = await pool.query<HoldRow>(`SELECT ${holdColumns} FROM ledger_holds WHERE request_id = $1`, [
    requestId,
  ]);
  return rows[0] === undefined ? undefined : convertHoldRow(rows[0]);
}

export async function readActiveHolds(pool: Pool): Promise<readonly Hold[]> {
  const { rows } = await pool.query<HoldRow>(
    `SELECT ${holdColumns} FROM ledger_holds WHERE status = 'active' ORDER BY expires_at_ms, request_id COLLATE "C"`,
  );
  return rows.map(convertHoldRow);
}

/**
 * Postings in id order, all or those of one request and/or touching one account (either side). By request reads the
 * kinds that carry a request id (the hold path and provider costs) through the partial unique indexes; by account
 * alone scans, for reports only.
 */
export async function readPostings(
  pool: Pool,
  filter: { readonly requestId?: string; readonly account?: string } = {},
): Promise<readonly Posting[]> {
  const { requestId, account } = filter;
  const { rows } = await pool.query<PostingRow>(
    `SELECT ${postingColumns} FROM ledger_postings
     WHERE ($1::text IS NULL OR (request_id = $1 AND kind IN ('hold', 'top_up', 'charge', 'release', 'expire', 'provider_cost')))
       AND ($2::text IS NULL OR debit_account = $2 OR credit_account = $2)
     ORDER BY id`,
    [requestId ?? null, account ?? null],
  );
  return rows.map(convertPostingRow);
}
