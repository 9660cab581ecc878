import { strict as assert } from 'node:assert';
import type { PoolClient } from 'pg';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, SettleInput, SettleResult } from '../ledger-types.js';
import { findDayStartMs } from '../sqlite/append-posting.js';
import type { HoldRow } from '../sqlite/ledger-rows.js';
import { assertSettleInput } from '../sqlite/settle-hold.js';
import type { PostingDraft } from './append-postings.js';
import { buildAppendPostingsSql, convertPostingDrafts } from './append-postings.js';

/**
 * Locks the org's balance row, then the hold's (the order every ledger writer follows: org, hold, key), and reads
 * both as last committed: `hold`'s one-time filter makes `org` run, and lock, first.
 */
const lockHoldSql = `
  WITH org AS MATERIALIZED (
    SELECT available_nanos FROM ledger_org_balances
    WHERE org_id = (SELECT org_id FROM ledger_holds WHERE request_id = $1)
    FOR UPDATE
  ),
  hold AS MATERIALIZED (
    SELECT request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos
    FROM ledger_holds WHERE request_id = $1 AND (SELECT count(*) FROM org) >= 0
    FOR UPDATE
  )
  SELECT hold.*, (SELECT available_nanos FROM org) AS available_nanos FROM hold`;

/**
 * The settlement of an active hold. Parameters: $1 request id, $2 org, $3 key, $4 the hold's amount, $5 the charge,
 * $6 now, $7 the UTC day of now, $8… the postings. The org's available balance gains the hold minus the charge (the
 * top-up and release net out), its held balance loses the hold; the key's totals and day bucket move with them.
 */
const settleActiveSql = `
  WITH
  org_write AS (
    UPDATE ledger_org_balances
    SET available_nanos = available_nanos + $4::bigint - $5::bigint, held_nanos = held_nanos - $4::bigint,
      charged_nanos = charged_nanos + $5::bigint
    WHERE org_id = $2 AND ($4::bigint > 0 OR $5::bigint > 0)
  ),
  key_write AS (
    INSERT INTO ledger_key_totals AS k (key_id, org_id, held_nanos, charged_nanos)
    SELECT $3, $2, 0, $5::bigint WHERE $4::bigint > 0 OR $5::bigint > 0
    ON CONFLICT (key_id) DO UPDATE
    SET held_nanos = k.held_nanos - $4::bigint, charged_nanos = k.charged_nanos + $5::bigint
  ),
  day_write AS (
    INSERT INTO ledger_key_spend_days AS d (key_id, day_start_ms, charged_nanos)
    SELECT $3, $7::bigint, $5::bigint WHERE $5::bigint > 0
    ON CONFLICT (key_id, day_start_ms) DO UPDATE SET charged_nanos = d.charged_nanos + EXCLUDED.charged_nanos
  ),
  hold_write AS (
    UPDATE ledger_holds SET status = 'posted', resolved_at_ms = $6::bigint, charged_nanos = $5::bigint
    WHERE request_id = $1 AND status = 'active'
    RETURNING 1
  ),
  ${buildAppendPostingsSql(8, 6)}
  SELECT (SELECT count(*) FROM hold_write)::integer AS resolved_count`;

const appendPostingsSql = `WITH ${buildAppendPostingsSql(2, 1)} SELECT 1`;

type LockedHoldRow = HoldRow & { readonly available_nanos: bigint | null };

/** Each attempt's upstream cost (none of 0): from inference_cost when the customer paid, else insurance_expense. */
function draftProviderCosts(
  hold: LockedHoldRow,
  input: SettleInput,
  options: { readonly chargedNanos: Nanos; readonly transferId: string },
): PostingDraft[] {
  return input.attemptCosts
    .filter((cost) => cost.amount > 0n)
    .map((cost) => ({
      transferId: options.transferId,
      debitAccount: options.chargedNanos > 0n ? ledgerAccounts.inferenceCost : ledgerAccounts.insuranceExpense,
      creditAccount: ledgerAccounts.providerPayable(cost.providerId),
      amount: cost.amount,
      kind: 'provider_cost',
      requestId: hold.request_id,
      attemptId: cost.attemptId,
      keyId: hold.key_id,
    }));
}

/** The top-up, charge and release of an active hold, each only when above 0. */
function draftHoldLegs(hold: LockedHoldRow, amounts: Record<'topUp' | 'charge' | 'release', Nanos>): PostingDraft[] {
  const available = ledgerAccounts.orgAvailable(hold.org_id);
  const held = ledgerAccounts.orgHeld(hold.org_id);
  const legs: [PostingDraft['kind'], string, string, Nanos][] = [
    ['top_up', available, held, amounts.topUp],
    ['charge', held, ledgerAccounts.revenue, amounts.charge],
    ['release', held, available, amounts.release],
  ];
  return legs
    .filter(([, , , amount]) => amount > 0n)
    .map(([kind, debitAccount, creditAccount, amount]) => ({
      transferId: `settle:${hold.request_id}`,
      debitAccount,
      creditAccount,
      amount,
      kind,
      requestId: hold.request_id,
      attemptId: null,
      keyId: hold.key_id,
    }));
}

async function settleActive(client: PoolClient, hold: LockedHoldRow, input: SettleInput): Promise<Nanos> {
  // Above the hold, the charge draws on what the org still has available, and no more (INV-2).
  const available = hold.available_nanos ?? 0n;
  const wanted = input.chargeNanos > hold.amount ? input.chargeNanos - hold.amount : 0n;
  const topUp = wanted < available ? wanted : available;
  const heldNanos = hold.amount + topUp;
  const chargedNanos = input.chargeNanos < heldNanos ? input.chargeNanos : heldNanos;
  const drafts = [
    ...draftHoldLegs(hold, { topUp, charge: chargedNanos, release: heldNanos - chargedNanos }),
    ...draftProviderCosts(hold, input, { chargedNanos, transferId: `settle:${hold.request_id}` }),
  ];
  const { rows } = await client.query<{ resolved_count: number }>(settleActiveSql, [
    hold.request_id,
    hold.org_id,
    hold.key_id,
    hold.amount,
    chargedNanos,
    input.nowMs,
    findDayStartMs(input.nowMs),
    ...convertPostingDrafts(drafts),
  ]);
  if (rows[0]?.resolved_count !== 1) assert.fail(`hold ${hold.request_id} changed under its settlement`);
  return chargedNanos;
}

/**
 * Settlement, exactly once per request, inside the caller's transaction (the generation store's batch: the record,
 * the money and the rollups commit together). The charge, capped at the hold plus what the org still has available,
 * goes held → revenue, the rest held → available, each attempt's cost to its provider. A hold already posted or
 * expired is not settled again: the earlier charge is returned (0 for an expired hold) and only attempt costs not
 * yet posted are booked, so a replayed settlement (a journal replay, another node's retry) posts nothing twice.
 *
 * Several nodes: the org's row and then the hold's row are locked before anything is read for the decision, so a
 * concurrent settlement of the same hold waits and then sees it resolved; the top-up is computed from the org's
 * balance as of the lock, which no other writer can move until this transaction ends. Lock order: org, hold, key
 * (as admission and expiry): a caller settling several holds in one transaction avoids deadlocks with other nodes'
 * batches by settling them in org order. The caller's transaction must be READ COMMITTED (PostgreSQL's default, and
 * `withTransaction`'s): each statement after the locks then reads the rows as last committed. A throw leaves the
 * caller's transaction to roll back whole (no savepoint, as on SQLite).
 */
export async function settleHoldInTransaction(client: PoolClient, input: SettleInput): Promise<SettleResult> {
  assertSettleInput(input);
  const { rows } = await client.query<LockedHoldRow>(lockHoldSql, [input.requestId]);
  const hold = rows[0];
  if (hold === undefined) {
    throw new Error(`No ledger hold for request ${input.requestId}: settle needs placeHold first`);
  }
  if (hold.status === 'active') {
    return { chargedNanos: await settleActive(client, hold, input), isFirstSettlement: true };
  }
  const chargedNanos = hold.charged_nanos ?? 0n;
  const drafts = draftProviderCosts(hold, input, { chargedNanos, transferId: `late-cost:${hold.request_id}` });
  if (drafts.length > 0) await client.query(appendPostingsSql, [input.nowMs, ...convertPostingDrafts(drafts)]);
  return { chargedNanos, isFirstSettlement: false };
}
