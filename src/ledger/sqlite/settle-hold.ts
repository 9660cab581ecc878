import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { AttemptCost, Nanos, SettleInput, SettleResult } from '../ledger-types.js';
import { appendPosting, readBalance } from './append-posting.js';
import type { HoldRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

export function assertSettleInput(input: SettleInput): void {
  assertNanos('chargeNanos', input.chargeNanos);
  assert.ok(Number.isSafeInteger(input.nowMs), 'nowMs must be an integer');
  const attemptIds = new Set<string>();
  for (const cost of input.attemptCosts) {
    assertNanos(`cost of attempt ${cost.attemptId}`, cost.amount);
    assert.ok(cost.attemptId.length > 0 && cost.providerId.length > 0, 'attemptId and providerId must not be empty');
    if (attemptIds.has(cost.attemptId)) assert.fail(`attempt ${cost.attemptId} is listed twice`);
    attemptIds.add(cost.attemptId);
  }
}

/**
 * Posts each attempt's upstream cost that is not posted yet (at most once per
 * (request, attempt)): from inference_cost when the customer paid, else from
 * insurance_expense, so unbilled upstream cost shows as an expense rather than a gap.
 * A hold still active has had no settlement, so none of its costs can be posted yet: only a resolved one is looked up.
 */
function postProviderCosts(
  statements: LedgerStatements,
  hold: HoldRow,
  options: {
    readonly costs: readonly AttemptCost[];
    readonly chargedNanos: Nanos;
    readonly transferId: string;
    readonly nowMs: number;
  },
): void {
  const posted =
    hold.status === 'active'
      ? new Set<string>()
      : new Set(statements.selectProviderCostAttempts.all(hold.request_id).map((row) => row.attempt_id));
  for (const cost of options.costs) {
    if (cost.amount === 0n || posted.has(cost.attemptId)) continue;
    appendPosting(statements, {
      transferId: options.transferId,
      debitAccount: options.chargedNanos > 0n ? ledgerAccounts.inferenceCost : ledgerAccounts.insuranceExpense,
      creditAccount: ledgerAccounts.providerPayable(cost.providerId),
      amount: cost.amount,
      kind: 'provider_cost',
      requestId: hold.request_id,
      attemptId: cost.attemptId,
      keyId: hold.key_id,
      createdAtMs: options.nowMs,
    });
  }
}

/** Moves one leg out of the hold (charge to revenue, or release back to available). */
function postHoldLeg(
  statements: LedgerStatements,
  hold: HoldRow,
  leg: { readonly kind: 'charge' | 'release'; readonly amount: Nanos; readonly nowMs: number },
): void {
  if (leg.amount === 0n) return;
  appendPosting(statements, {
    transferId: `settle:${hold.request_id}`,
    debitAccount: ledgerAccounts.orgHeld(hold.org_id),
    creditAccount: leg.kind === 'charge' ? ledgerAccounts.revenue : ledgerAccounts.orgAvailable(hold.org_id),
    amount: leg.amount,
    kind: leg.kind,
    requestId: hold.request_id,
    keyId: hold.key_id,
    createdAtMs: leg.nowMs,
  });
}

/**
 * A call that cost more than its hold (the provider counted more prompt tokens than the local estimate)
 * draws the difference from what the org still has available, and no more: held grows by that much.
 */
function findTopUp(statements: LedgerStatements, hold: HoldRow, input: SettleInput): Nanos {
  if (input.chargeNanos <= hold.amount) return 0n;
  // Credit admitted to calls whose holds are still queued (not posted) is theirs, not this top-up's.
  const reserved = statements.unwritten.current?.reservedFor(hold.org_id) ?? 0n;
  const available = readBalance(statements, ledgerAccounts.orgAvailable(hold.org_id)) - reserved;
  const wanted = input.chargeNanos - hold.amount;
  const amount = wanted < available ? wanted : available;
  return amount > 0n ? amount : 0n;
}

function postTopUp(statements: LedgerStatements, hold: HoldRow, amount: Nanos, nowMs: number): void {
  if (amount === 0n) return;
  appendPosting(statements, {
    transferId: `settle:${hold.request_id}`,
    debitAccount: ledgerAccounts.orgAvailable(hold.org_id),
    creditAccount: ledgerAccounts.orgHeld(hold.org_id),
    amount,
    kind: 'top_up',
    requestId: hold.request_id,
    keyId: hold.key_id,
    createdAtMs: nowMs,
  });
}

type Settled = { readonly result: SettleResult; readonly hold: HoldRow };

/**
 * Settlement, exactly once per request (run inside a transaction by the caller): the
 * charge, capped at the hold plus what the org still has available, goes held → revenue, the rest held → available, each
 * attempt's cost to its provider. A hold already posted or expired is not settled again:
 * the earlier charge is returned (0 for an expired hold) and only attempt costs not yet
 * posted are booked, so a late or replayed settlement never loses the upstream cost.
 *
 * The hold comes from memory when this process knows it: not written yet (its batch writes it now, posted), or
 * written active by this process (the update that resolves it confirms it still is, else it is read).
 */
export function settleHold(statements: LedgerStatements, input: SettleInput): Settled {
  assertSettleInput(input);
  const unwritten = statements.unwritten.current?.take(input.requestId);
  if (unwritten !== undefined) {
    const settled = settleActiveHold(statements, unwritten, input, (charged, nowMs) =>
      insertPostedHold(statements, unwritten, charged, nowMs),
    );
    return settled ?? assert.fail(`hold ${input.requestId} was not written`);
  }
  const written = takeWrittenHold(statements, input.requestId);
  const settled =
    written === undefined
      ? undefined
      : settleActiveHold(statements, written, input, (charged, nowMs) =>
          resolveHold(statements, written, charged, nowMs),
        );
  return settled ?? settleStoredHold(statements, input);
}

/** Settles the hold as the database has it. */
function settleStoredHold(statements: LedgerStatements, input: SettleInput): Settled {
  const hold = statements.selectHold.get(input.requestId);
  if (hold === undefined) {
    throw new Error(`No ledger hold for request ${input.requestId}: settle needs placeHold first`);
  }
  if (hold.status !== 'active') {
    const chargedNanos = hold.charged_nanos ?? 0n;
    const transferId = `late-cost:${hold.request_id}`;
    postProviderCosts(statements, hold, { costs: input.attemptCosts, chargedNanos, transferId, nowMs: input.nowMs });
    return { result: { chargedNanos, isFirstSettlement: false }, hold };
  }
  const settled = settleActiveHold(statements, hold, input, (charged, nowMs) =>
    resolveHold(statements, hold, charged, nowMs),
  );
  return settled ?? assert.fail(`hold ${hold.request_id} changed under its settlement`);
}

/**
 * The first settlement of an active hold: `resolve` writes the hold's row as posted with the charge (false when
 * the row is no longer active: then nothing is posted and undefined returned), then the postings follow.
 */
function settleActiveHold(
  statements: LedgerStatements,
  hold: HoldRow,
  input: SettleInput,
  resolve: (chargedNanos: Nanos, nowMs: number) => boolean,
): Settled | undefined {
  const topUpNanos = findTopUp(statements, hold, input);
  const heldNanos = hold.amount + topUpNanos;
  const chargedNanos = input.chargeNanos < heldNanos ? input.chargeNanos : heldNanos;
  if (!resolve(chargedNanos, input.nowMs)) return undefined;
  postTopUp(statements, hold, topUpNanos, input.nowMs);
  postHoldLeg(statements, hold, { kind: 'charge', amount: chargedNanos, nowMs: input.nowMs });
  postHoldLeg(statements, hold, { kind: 'release', amount: heldNanos - chargedNanos, nowMs: input.nowMs });
  const transferId = `settle:${hold.request_id}`;
  postProviderCosts(statements, hold, { costs: input.attemptCosts, chargedNanos, transferId, nowMs: input.nowMs });
  return { result: { chargedNanos, isFirstSettlement: true }, hold };
}

function takeWrittenHold(statements: LedgerStatements, requestId: string): HoldRow | undefined {
  const written = statements.written.current;
  const hold = written?.get(requestId);
  if (hold !== undefined) written?.delete(requestId);
  return hold;
}

/** Resolves a written hold; false when it is no longer active (the reconciler expired it, or it was settled). */
function resolveHold(statements: LedgerStatements, hold: HoldRow, chargedNanos: Nanos, nowMs: number): boolean {
  return statements.resolveHold.run('posted', nowMs, chargedNanos, hold.request_id).changes === 1;
}

/** The row of a hold settled in the batch that posted it: written once, as an active hold then posted would be. */
function insertPostedHold(statements: LedgerStatements, hold: HoldRow, chargedNanos: Nanos, nowMs: number): true {
  statements.insertPostedHold.run(
    hold.request_id,
    hold.org_id,
    hold.key_id,
    hold.amount,
    Number(hold.created_at_ms),
    Number(hold.expires_at_ms),
    nowMs,
    chargedNanos,
  );
  return true;
}
