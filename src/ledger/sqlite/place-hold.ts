import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { appendPosting, readBalance, readTotal } from './append-posting.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';
import { readKeySpentInWindow } from './read-key-spend.js';
import { insertActiveHold } from './unwritten-holds.js';

const minOf = (left: Nanos, right: Nanos): Nanos => (left < right ? left : right);

/** What admission reads: an org's spendable credit and a key's credit held by active holds. */
export interface HoldView {
  available(orgId: string): Nanos;
  keyHeld(keyId: string): Nanos;
}

/** The view of the database alone (inside the caller's IMMEDIATE transaction). */
export function createDatabaseHoldView(statements: LedgerStatements): HoldView {
  return {
    available: (orgId) => readBalance(statements, ledgerAccounts.orgAvailable(orgId)),
    keyHeld: (keyId) => readTotal(statements.sumKeyActiveHolds.get(keyId)),
  };
}

/** What the key's own limit still allows in its window; undefined when the key has no limit. */
function readKeyRemaining(statements: LedgerStatements, view: HoldView, input: PlaceHoldInput): Nanos | undefined {
  if (input.keyLimit === undefined) return undefined;
  assertNanos('keyLimit.limitNanos', input.keyLimit.limitNanos);
  const spent = readKeySpentInWindow(statements, input.keyId, input.keyLimit.windowStartMs);
  const remaining = input.keyLimit.limitNanos - spent - view.keyHeld(input.keyId);
  return remaining > 0n ? remaining : 0n;
}

export function assertPlaceHoldInput(input: PlaceHoldInput): void {
  assert.ok(input.requestId.length > 0, 'requestId must not be empty');
  assertNanos('amountMax', input.amountMax);
  assertNanos('amountMin', input.amountMin);
  if (input.amountMin > input.amountMax)
    assert.fail(`amountMin ${input.amountMin} exceeds amountMax ${input.amountMax}`);
  assert.ok(Number.isSafeInteger(input.nowMs) && Number.isSafeInteger(input.ttlMs) && input.ttlMs >= 0, 'bad times');
}

/** A repeated request id gets its existing hold back; the same id for another org or key is a bug. */
export function assertSameHolder(
  existing: { readonly orgId: string; readonly keyId: string },
  input: PlaceHoldInput,
): void {
  assert.ok(
    existing.orgId === input.orgId && existing.keyId === input.keyId,
    `request ${input.requestId} already holds credit for another org or key`,
  );
}

/**
 * The admission decision, without writing: hold `min(amountMax, available, key
 * remaining)` if that covers `amountMin` (at least 1 nano). A free request (amountMax 0)
 * gets a hold of 0, so its settlement still resolves exactly once.
 */
export function decideHold(statements: LedgerStatements, view: HoldView, input: PlaceHoldInput): PlaceHoldResult {
  const available = view.available(input.orgId);
  const keyRemaining = readKeyRemaining(statements, view, input);
  const affordable = keyRemaining === undefined ? available : minOf(available, keyRemaining);
  const amount = minOf(input.amountMax, affordable);
  // A request that may cost something must afford at least 1 nano; a free one (amountMax 0) needs no credit.
  const amountNeeded = input.amountMin > 0n || input.amountMax === 0n ? input.amountMin : 1n;
  if (amount >= amountNeeded) return { ok: true, amount };
  const reason = available < amountNeeded ? 'insufficient_credits' : 'key_limit_reached';
  return { ok: false, reason, affordableNanos: affordable > 0n ? affordable : 0n };
}

/**
 * Writes a decided hold (inside the caller's transaction): the hold row and its posting
 * available → held (see {@link postHold}).
 *
 * @returns the amount held.
 */
export function writeHold(statements: LedgerStatements, input: PlaceHoldInput, decided: Nanos): Nanos {
  const amount = postHold(statements, input, decided);
  insertActiveHold(statements, input, amount);
  return amount;
}

/**
 * The posting of a decided hold, available → held, without its row (inside the caller's transaction). The amount
 * is capped at what the org has available in the database right now, so a decision made against a stale view can
 * never overdraw (INV-2).
 *
 * @returns the amount held (no posting when it is 0).
 */
export function postHold(statements: LedgerStatements, input: PlaceHoldInput, decided: Nanos): Nanos {
  const available = readBalance(statements, ledgerAccounts.orgAvailable(input.orgId));
  const amount = minOf(decided, available > 0n ? available : 0n);
  if (amount === 0n) return amount;
  appendPosting(statements, {
    transferId: `hold:${input.requestId}`,
    debitAccount: ledgerAccounts.orgAvailable(input.orgId),
    creditAccount: ledgerAccounts.orgHeld(input.orgId),
    amount,
    kind: 'hold',
    requestId: input.requestId,
    keyId: input.keyId,
    createdAtMs: input.nowMs,
  });
  return amount;
}

/**
 * Admission in one go (run inside one IMMEDIATE transaction by the caller): reads the
 * org's available balance and the key's window spend, decides, and writes the hold. A
 * repeated request id returns the existing hold's amount and posts nothing.
 */
export function placeHold(statements: LedgerStatements, input: PlaceHoldInput): PlaceHoldResult {
  assertPlaceHoldInput(input);
  const existing = statements.selectHold.get(input.requestId);
  if (existing !== undefined) {
    assertSameHolder({ orgId: existing.org_id, keyId: existing.key_id }, input);
    return { ok: true, amount: existing.amount };
  }
  const decision = decideHold(statements, createDatabaseHoldView(statements), input);
  if (!decision.ok) return decision;
  return { ok: true, amount: writeHold(statements, input, decision.amount) };
}
