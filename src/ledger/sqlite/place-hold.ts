import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { appendPosting } from './append-posting.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';
import { readKeySpend } from './read-key-spend.js';

const minOf = (left: Nanos, right: Nanos): Nanos => (left < right ? left : right);

/** What the key's own limit still allows in its window; undefined when the key has no limit. */
function readKeyRemaining(statements: LedgerStatements, input: PlaceHoldInput): Nanos | undefined {
  if (input.keyLimit === undefined) return undefined;
  assertNanos('keyLimit.limitNanos', input.keyLimit.limitNanos);
  const spend = readKeySpend(statements, input.keyId, input.keyLimit.windowStartMs);
  const remaining = input.keyLimit.limitNanos - spend.spentNanos - spend.heldNanos;
  return remaining > 0n ? remaining : 0n;
}

function assertPlaceHoldInput(input: PlaceHoldInput): void {
  assert.ok(input.requestId.length > 0, 'requestId must not be empty');
  assertNanos('amountMax', input.amountMax);
  assertNanos('amountMin', input.amountMin);
  assert.ok(input.amountMin <= input.amountMax, `amountMin ${input.amountMin} exceeds amountMax ${input.amountMax}`);
  assert.ok(Number.isSafeInteger(input.nowMs) && Number.isSafeInteger(input.ttlMs) && input.ttlMs >= 0, 'bad times');
}

/**
 * Admission (run inside one IMMEDIATE transaction by the caller): reads the org's
 * available balance and the key's window spend, and holds
 * `min(amountMax, available, key remaining)` if that covers `amountMin` (at least 1
 * nano). A free request (amountMax 0) gets a hold of 0 with no posting, so its
 * settlement still resolves exactly once and books its attempt costs. A repeated request
 * id returns the existing hold's amount and posts nothing.
 */
export function placeHold(statements: LedgerStatements, input: PlaceHoldInput): PlaceHoldResult {
  assertPlaceHoldInput(input);
  const existing = statements.selectHold.get(input.requestId);
  if (existing !== undefined) {
    assert.ok(
      existing.org_id === input.orgId && existing.key_id === input.keyId,
      `request ${input.requestId} already holds credit for another org or key`,
    );
    return { ok: true, amount: existing.amount };
  }
  const available = statements.selectBalance.get(ledgerAccounts.orgAvailable(input.orgId))?.balance ?? 0n;
  const keyRemaining = readKeyRemaining(statements, input);
  const affordable = keyRemaining === undefined ? available : minOf(available, keyRemaining);
  const amount = minOf(input.amountMax, affordable);
  // A request that may cost something must afford at least 1 nano; a free one (amountMax 0) needs no credit.
  const amountNeeded = input.amountMin > 0n || input.amountMax === 0n ? input.amountMin : 1n;
  if (amount < amountNeeded) {
    const reason = available < amountNeeded ? 'insufficient_credits' : 'key_limit_reached';
    return { ok: false, reason, affordableNanos: affordable > 0n ? affordable : 0n };
  }
  statements.insertHold.run(input.requestId, input.orgId, input.keyId, amount, input.nowMs, input.nowMs + input.ttlMs);
  if (amount === 0n) return { ok: true, amount };
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
  return { ok: true, amount };
}
