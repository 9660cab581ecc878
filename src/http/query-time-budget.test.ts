import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { answerWithinBudget, createQueryTimeBudget } from './query-time-budget.js';

describe('createQueryTimeBudget', () => {
  it('admits while time is left, refuses until the spent time has refilled, and never holds more than the burst', () => {
    let nowMs = 0;
    const budget = createQueryTimeBudget({ msPerSecond: 100, burstMs: 1_000, now: () => nowMs });
    expect(budget.refusal()).toBeUndefined();
    budget.spend(480);
    expect(budget.refusal()).toBeUndefined(); // 520 ms left
    budget.spend(480);
    budget.spend(480); // 40 ms of debt... -440 ms
    expect(budget.refusal()).toBe(5); // (440 + 1) / 100 per second → 5 s
    nowMs = 4_000; // +400 ms: still -40
    expect(budget.refusal()).toBe(1);
    nowMs = 4_500; // +50: 10 ms left
    expect(budget.refusal()).toBeUndefined();
    nowMs = 1_000_000; // an idle hour refills to the burst, not beyond
    budget.spend(1_000);
    expect(budget.refusal()).toBe(1);
  });
});

describe('answerWithinBudget', () => {
  it('charges each answer what it took, and refuses with 429 rate_limited and Retry-After once the time is spent', async () => {
    let nowMs = 0;
    const budget = createQueryTimeBudget({ msPerSecond: 100, burstMs: 1_000, now: () => nowMs });
    const slowAnswer = (): Promise<void> => {
      nowMs += 600; // a query that holds the event loop 600 ms
      return Promise.resolve();
    };
    await answerWithinBudget(budget, slowAnswer, () => nowMs);
    // 400 ms left before it (and 60 refilled while it ran): admitted, leaving -140
    await answerWithinBudget(budget, slowAnswer, () => nowMs);
    let answered = false;
    const refused = await answerWithinBudget(
      budget,
      () => {
        answered = true;
        return Promise.resolve();
      },
      () => nowMs,
    ).catch((error: unknown) => error);
    expect(answered).toBe(false);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSeconds: 2, isRetryable: true });
    nowMs += 1_410; // +141 ms: 1 ms left
    await answerWithinBudget(
      budget,
      () => Promise.resolve(),
      () => nowMs,
    );
  });

  it('charges an answer that failed too', async () => {
    let nowMs = 0;
    const budget = createQueryTimeBudget({ msPerSecond: 100, burstMs: 500, now: () => nowMs });
    const failing = (): Promise<void> => {
      nowMs += 500;
      return Promise.reject(new Error('the query failed'));
    };
    await expect(answerWithinBudget(budget, failing, () => nowMs)).rejects.toThrow('the query failed');
    expect(budget.refusal()).toBe(1);
  });
});
