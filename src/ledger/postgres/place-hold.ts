import type { Pool } from 'pg';
import { limits } from '../../config/index.js';
import { assertNanos } from '../assert-nanos.js';
import type { Nanos, PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { findDayStartMs } from '../sqlite/append-posting.js';
import { assertPlaceHoldInput, assertSameHolder } from '../sqlite/place-hold.js';

const dayMs = 86_400_000;

/**
 * Admission in ONE statement. Parameters: $1 request id, $2 org, $3 key, $4 amountMax, $5 the least worth holding,
 * $6 the key's limit (NULL: none), $7 the window start, $8 the first whole UTC day of the window, $9 now, $10 expiry.
 *
 * How it stays exact with several nodes (READ COMMITTED): `org` locks the org's balance row FOR UPDATE. A concurrent
 * admission, settlement or expiry of this org holds that lock until it commits; this statement then reads the row's
 * latest version, not its older snapshot. Every writer of an org's balances, its keys' totals or its holds takes the
 * org row first, so once it is locked `key_now` (also FOR UPDATE) reads the key's current active holds and charges.
 * The key's window spend comes from the day buckets of the snapshot plus whatever charges committed after the
 * snapshot (`key_now.charged_nanos - key_before.charged_nanos`), counted as in the window (never less than the truth).
 * The writes follow from that one decision, each only if the one before it wrote: the key's totals (an upsert, which
 * works on the latest row), the org's row, the hold row and its posting.
 *
 * Why not `UPDATE … SET available = available - x WHERE available >= min` alone: under READ COMMITTED its WHERE and
 * SET are first evaluated on the row as of the statement's snapshot. A row whose older version fails the WHERE is
 * skipped without a look at its latest one (a false refusal right after a settlement released credit), and a SET
 * computed from an older version can fail the balance CHECK before PostgreSQL re-reads the row (both reproduced in
 * place-hold.test.ts). So the org row is set to absolute values computed from its locked, latest version, with no
 * condition on its columns.
 *
 * The one race the lock cannot cover is a key whose first hold commits after this statement's snapshot (its row is
 * then invisible to `key_now`): the key upsert meets the conflict, writes nothing (so nothing after it does), and the
 * caller runs the statement again. A request id admitted concurrently fails on the primary key and the caller runs
 * the statement again to read that hold.
 */
export const placeHoldSql = `
  WITH
  existing AS MATERIALIZED (SELECT amount, org_id, key_id FROM ledger_holds WHERE request_id = $1),
  org AS MATERIALIZED (
    SELECT available_nanos, held_nanos FROM ledger_org_balances
    WHERE org_id = $2 AND $4::bigint > 0 AND NOT EXISTS (SELECT 1 FROM existing)
    FOR UPDATE
  ),
  key_now AS MATERIALIZED (
    SELECT held_nanos, charged_nanos FROM ledger_key_totals
    WHERE key_id = $3 AND $6::bigint IS NOT NULL AND EXISTS (SELECT 1 FROM org)
    FOR UPDATE
  ),
  key_before AS MATERIALIZED (
    SELECT
      COALESCE((SELECT charged_nanos FROM ledger_key_totals WHERE key_id = $3), 0) AS charged_nanos,
      (COALESCE((SELECT SUM(charged_nanos) FROM ledger_key_spend_days WHERE key_id = $3 AND day_start_ms >= $8::bigint), 0)
        + COALESCE((SELECT SUM(amount) FROM ledger_postings WHERE kind = 'charge' AND key_id = $3
            AND created_at_ms >= $7::bigint AND created_at_ms < $8::bigint), 0))::bigint AS spent_nanos
    WHERE $6::bigint IS NOT NULL
  ),
  decision AS MATERIALIZED (
    SELECT
      COALESCE((SELECT available_nanos FROM org), 0) AS available,
      COALESCE((SELECT held_nanos FROM org), 0) AS held,
      CASE WHEN $6::bigint IS NULL THEN NULL ELSE GREATEST(0, $6::bigint
        - (SELECT spent_nanos FROM key_before)
        - (COALESCE((SELECT charged_nanos FROM key_now), (SELECT charged_nanos FROM key_before))
          - (SELECT charged_nanos FROM key_before))
        - COALESCE((SELECT held_nanos FROM key_now), 0)) END AS key_remaining,
      EXISTS (SELECT 1 FROM key_now) AS has_key_row,
      EXISTS (SELECT 1 FROM existing) AS has_existing
  ),
  amounts AS MATERIALIZED (
    SELECT d.available, d.held, x.affordable, LEAST($4::bigint, x.affordable) AS amount,
      (NOT d.has_existing AND LEAST($4::bigint, x.affordable) >= $5::bigint) AS is_ok
    FROM decision d
    CROSS JOIN LATERAL (SELECT LEAST(d.available, COALESCE(d.key_remaining, d.available)) AS affordable) AS x
  ),
  key_write AS (
    INSERT INTO ledger_key_totals AS k (key_id, org_id, held_nanos, charged_nanos)
    SELECT $3, $2, a.amount, 0 FROM amounts a WHERE a.is_ok AND a.amount > 0
    ON CONFLICT (key_id) DO UPDATE SET held_nanos = k.held_nanos + EXCLUDED.held_nanos
    WHERE $6::bigint IS NULL OR (SELECT has_key_row FROM decision)
    RETURNING 1
  ),
  org_write AS (
    UPDATE ledger_org_balances o SET available_nanos = a.available - a.amount, held_nanos = a.held + a.amount
    FROM amounts a
    WHERE o.org_id = $2 AND a.is_ok AND a.amount > 0 AND EXISTS (SELECT 1 FROM key_write)
    RETURNING 1
  ),
  hold_write AS (
    INSERT INTO ledger_holds (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms)
    SELECT $1, $2, $3, a.amount, 'active', $9::bigint, $10::bigint FROM amounts a
    WHERE a.is_ok AND (a.amount = 0 OR EXISTS (SELECT 1 FROM org_write))
    RETURNING amount
  ),
  posting_write AS (
    INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, request_id, key_id,
      created_at_ms)
    SELECT 'hold:' || $1, 'org:' || $2 || ':available', 'org:' || $2 || ':held', h.amount, 'hold', $1, $3, $9::bigint
    FROM hold_write h WHERE h.amount > 0
  )
  SELECT e.amount AS existing_amount, e.org_id AS existing_org_id, e.key_id AS existing_key_id,
    (SELECT amount FROM hold_write) AS held_amount, a.is_ok, a.available, a.affordable
  FROM amounts a LEFT JOIN existing e ON true`;

export interface PlaceHoldRow {
  readonly existing_amount: bigint | null;
  readonly existing_org_id: string | null;
  readonly existing_key_id: string | null;
  readonly held_amount: bigint | null;
  readonly is_ok: boolean;
  readonly available: bigint;
  readonly affordable: bigint;
}

/** A request that may cost something must afford at least 1 nano; a free one (amountMax 0) needs no credit. */
function findAmountNeeded(input: PlaceHoldInput): Nanos {
  return input.amountMin > 0n || input.amountMax === 0n ? input.amountMin : 1n;
}

export function buildParameters(input: PlaceHoldInput): unknown[] {
  const windowStartMs = input.keyLimit?.windowStartMs ?? 0;
  const dayStartMs = findDayStartMs(windowStartMs);
  const firstWholeDayMs = dayStartMs === windowStartMs ? windowStartMs : dayStartMs + dayMs;
  return [
    input.requestId,
    input.orgId,
    input.keyId,
    input.amountMax,
    findAmountNeeded(input),
    input.keyLimit?.limitNanos ?? null,
    windowStartMs,
    firstWholeDayMs,
    input.nowMs,
    input.nowMs + input.ttlMs,
  ];
}

/** The result of one run of the statement, or undefined when it lost a race and must run again. */
export function readResult(row: PlaceHoldRow, input: PlaceHoldInput): PlaceHoldResult | undefined {
  if (row.existing_amount !== null) {
    assertSameHolder({ orgId: row.existing_org_id ?? '', keyId: row.existing_key_id ?? '' }, input);
    return { ok: true, amount: row.existing_amount };
  }
  if (row.held_amount !== null) return { ok: true, amount: row.held_amount };
  if (row.is_ok) return undefined;
  const reason = row.available < findAmountNeeded(input) ? 'insufficient_credits' : 'key_limit_reached';
  return { ok: false, reason, affordableNanos: row.affordable > 0n ? row.affordable : 0n };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** A key limit out of range is a caller bug, reported only when the request id holds nothing yet (as SQLite does). */
async function checkKeyLimit(pool: Pool, input: PlaceHoldInput): Promise<PlaceHoldResult | undefined> {
  if (input.keyLimit === undefined) return undefined;
  const { limitNanos } = input.keyLimit;
  if (typeof limitNanos === 'bigint' && limitNanos >= 0n && limitNanos <= 10n ** 18n) return undefined;
  const { rows } = await pool.query<{ amount: bigint; org_id: string; key_id: string }>(
    'SELECT amount, org_id, key_id FROM ledger_holds WHERE request_id = $1',
    [input.requestId],
  );
  const existing = rows[0];
  if (existing === undefined) assertNanos('keyLimit.limitNanos', limitNanos);
  else assertSameHolder({ orgId: existing.org_id, keyId: existing.key_id }, input);
  return existing === undefined ? undefined : { ok: true, amount: existing.amount };
}

/**
 * Admission (see {@link placeHoldSql}): holds `min(amountMax, available, key remaining)` if that covers `amountMin`
 * (at least 1 nano), else refuses with what the org or the key could still cover and writes nothing. A repeated
 * request id returns the existing hold's amount and posts nothing.
 */
export async function placeHold(pool: Pool, input: PlaceHoldInput): Promise<PlaceHoldResult> {
  assertPlaceHoldInput(input);
  const earlier = await checkKeyLimit(pool, input);
  if (earlier !== undefined) return earlier;
  const parameters = buildParameters(input);
  for (let attempt = 1; attempt <= limits.postgresPlaceHoldAttemptsMax; attempt += 1) {
    try {
      const { rows } = await pool.query<PlaceHoldRow>(placeHoldSql, parameters);
      const result = rows[0] === undefined ? undefined : readResult(rows[0], input);
      if (result !== undefined) return result;
    } catch (error) {
      if (!isUniqueViolation(error) || attempt === limits.postgresPlaceHoldAttemptsMax) throw error;
    }
  }
  throw new Error(
    `placeHold for request ${input.requestId} lost ${limits.postgresPlaceHoldAttemptsMax} races in a row`,
  );
}
