import { describe, expect, it } from 'vitest';
import { createRetryBudget, retriesAllowed } from './retry-budget.js';
import type { ReleaseAttempt } from './retry-budget.js';

/** Admits `count` attempts to `deployment`, failing the test if one is refused. */
function admit(
  budget: ReturnType<typeof createRetryBudget>,
  deployment: string,
  count: number,
  isRetry: boolean,
): ReleaseAttempt[] {
  return Array.from({ length: count }, () => {
    const release = budget.tryAcquire(deployment, isRetry);
    if (release === undefined) throw new Error(`attempt to ${deployment} refused`);
    return release;
  });
}

describe('retriesAllowed', () => {
  it.each([
    [0, 3],
    [1, 3],
    [14, 3],
    [19, 3],
    [20, 4],
    [24, 4],
    [25, 5],
    [100, 20],
    [101, 20],
  ])('%i attempts in flight → %i retries', (attemptsInFlight, allowed) => {
    expect(retriesAllowed(attemptsInFlight)).toBe(allowed);
  });
});

describe('createRetryBudget', () => {
  it('admits first attempts without limit and three retries to an otherwise idle deployment', () => {
    const budget = createRetryBudget();
    admit(budget, 'a/m', 10, false);
    admit(budget, 'b/m', 3, true);
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
    // A refused retry counts nothing: still exactly three in flight, so still refused.
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
    expect(budget.deploymentCount).toBe(2);
  });

  it('keeps each deployment’s account apart: one full budget leaves another’s untouched', () => {
    const budget = createRetryBudget();
    admit(budget, 'b/m', 3, true);
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
    admit(budget, 'd/m', 3, true);
    expect(budget.tryAcquire('d/m', true)).toBeUndefined();
  });

  it('grows with the deployment’s own attempts in flight (20 %, retries included)', () => {
    const budget = createRetryBudget();
    admit(budget, 'b/m', 17, false);
    admit(budget, 'b/m', 3, true);
    // 20 attempts in flight, 3 of them retries: ⌊20 × 0.2⌋ = 4 allowed.
    admit(budget, 'b/m', 1, true);
    // 21 in flight, 4 retries: ⌊21 × 0.2⌋ = 4, refused.
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
    admit(budget, 'b/m', 4, false);
    // 25 in flight, 4 retries: ⌊25 × 0.2⌋ = 5.
    admit(budget, 'b/m', 1, true);
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
  });

  it('gives a retry back on release (once, however often it is called) and forgets an idle deployment', () => {
    const budget = createRetryBudget();
    const [first] = admit(budget, 'b/m', 1, false);
    const retries = admit(budget, 'b/m', 3, true);
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
    retries[0]!();
    retries[0]!();
    const again = admit(budget, 'b/m', 1, true);
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
    for (const release of [first!, ...retries.slice(1), ...again]) release();
    expect(budget.deploymentCount).toBe(0);
    // A release kept past the deployment's removal changes nothing in its next account.
    first!();
    admit(budget, 'b/m', 3, true);
    expect(budget.tryAcquire('b/m', true)).toBeUndefined();
  });
});
