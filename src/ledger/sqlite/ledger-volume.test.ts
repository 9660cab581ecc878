import { describe, expect, it } from 'vitest';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

describe('the ledger at volume', () => {
  it('places and settles 10 000 requests with exact totals and every invariant intact', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10n ** 15n, nowMs: 0 });
    const keyLimit = { limitNanos: 10n ** 15n, windowStartMs: 0 };
    let expectedChargedNanos = 0n;
    for (let index = 0; index < 10_000; index += 1) {
      const requestId = `req-${index}`;
      const nowMs = 1_000_000 + index;
      expect(ledger.placeHold(hold(requestId, { amountMax: 1_000_000n, keyLimit, nowMs }))).toEqual({
        ok: true,
        amount: 1_000_000n,
      });
      const chargeNanos = BigInt(index % 7) * 150_000n;
      const attemptCosts = [{ attemptId: 'att-1', providerId: 'openai', amount: BigInt(index % 3) }];
      ledger.settle({ requestId, chargeNanos, attemptCosts, nowMs });
      expectedChargedNanos += chargeNanos;
    }
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 10n ** 15n - expectedChargedNanos,
      heldNanos: 0n,
      grantedNanos: 10n ** 15n,
      chargedNanos: expectedChargedNanos,
    });
    expect(ledger.keySpend('key-a', 0)).toEqual({ spentNanos: expectedChargedNanos, heldNanos: 0n });
    expect(ledger.verify(2_000_000, 0).filter((result) => !result.ok)).toEqual([]);
  }, 30_000);
});
