import { describe, expect, it } from 'vitest';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

const dayMs = 86_400_000;
const day10 = 10 * dayMs;

/** Charges of 100, 20 and 3 nanos to key-a at the given times, and one of 1 000 to key-b. */
function openWithCharges(chargeTimesMs: readonly [number, number, number]) {
  const opened = openTestLedger();
  const { ledger } = opened;
  ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_000_000n, nowMs: 0 });
  const amounts = [100n, 20n, 3n];
  chargeTimesMs.forEach((timeMs, index) => {
    ledger.placeHold(hold(`req-${index}`, { nowMs: timeMs }));
    ledger.settle({ requestId: `req-${index}`, chargeNanos: amounts[index]!, attemptCosts: [], nowMs: timeMs });
  });
  ledger.placeHold(hold('req-b', { keyId: 'key-b', nowMs: day10 }));
  ledger.settle({ requestId: 'req-b', chargeNanos: 1_000n, attemptCosts: [], nowMs: day10 });
  return opened;
}

describe('keySpend', () => {
  it('sums the key charges at or after a day-aligned window start', () => {
    const { ledger } = openWithCharges([day10 - 1, day10, day10 + 3 * dayMs]);
    expect(ledger.keySpend('key-a', 0)).toEqual({ spentNanos: 123n, heldNanos: 0n });
    expect(ledger.keySpend('key-a', day10)).toEqual({ spentNanos: 23n, heldNanos: 0n });
    expect(ledger.keySpend('key-a', day10 + dayMs)).toEqual({ spentNanos: 3n, heldNanos: 0n });
    expect(ledger.keySpend('key-a', day10 + 4 * dayMs)).toEqual({ spentNanos: 0n, heldNanos: 0n });
    expect(ledger.keySpend('key-b', 0)).toEqual({ spentNanos: 1_000n, heldNanos: 0n });
    expect(ledger.keySpend('key-unknown', 0)).toEqual({ spentNanos: 0n, heldNanos: 0n });
  });

  it('counts a window that starts mid-day to the millisecond', () => {
    const { ledger } = openWithCharges([day10 + 1_000, day10 + 2_000, day10 + dayMs + 5]);
    expect(ledger.keySpend('key-a', day10 + 1_000)).toEqual({ spentNanos: 123n, heldNanos: 0n });
    expect(ledger.keySpend('key-a', day10 + 1_001)).toEqual({ spentNanos: 23n, heldNanos: 0n });
    expect(ledger.keySpend('key-a', day10 + 2_001)).toEqual({ spentNanos: 3n, heldNanos: 0n });
    expect(ledger.keySpend('key-a', day10 + dayMs + 6)).toEqual({ spentNanos: 0n, heldNanos: 0n });
  });

  it('adds the key active holds, which leave once settled or expired', () => {
    const { ledger } = openWithCharges([day10, day10, day10]);
    ledger.placeHold(hold('req-open', { nowMs: day10, amountMax: 400n }));
    ledger.placeHold(hold('req-late', { nowMs: day10, amountMax: 50n, amountMin: 50n, ttlMs: 10 }));
    expect(ledger.keySpend('key-a', day10)).toEqual({ spentNanos: 123n, heldNanos: 450n });
    ledger.reconcile(day10 + 10, 0);
    expect(ledger.keySpend('key-a', day10)).toEqual({ spentNanos: 123n, heldNanos: 400n });
    ledger.settle({ requestId: 'req-open', chargeNanos: 7n, attemptCosts: [], nowMs: day10 + 20 });
    expect(ledger.keySpend('key-a', day10)).toEqual({ spentNanos: 130n, heldNanos: 0n });
  });
});
