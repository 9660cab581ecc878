import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { AttemptCost, Nanos } from '../../ledger/ledger-types.js';
import { createTestLedgerModel } from '../../ledger/sqlite/test-ledger-model.js';
import type { TestLedgerModel } from '../../ledger/sqlite/test-ledger-model.js';
import type { AsyncLedger } from '../../ledger/postgres/async-ledger.js';
import { describeEachDriver } from './driver-test-support.js';
import type { LedgerCases } from './ledger-test-support.js';
import { ledgerCaseOpeners } from './ledger-test-support.js';

/**
 * Random grants, holds (with and without key limits), endings, replays, sweeps and node switches against the
 * arithmetic model of src/ledger/sqlite/test-ledger-model.ts, on both drivers (the SQLite property test also covers
 * crashes and restarts of one file; here a "switch" continues on the other node). After every step the balances
 * must equal the model's and the invariants must hold.
 */

const dayMs = 86_400_000;
const graceMs = 5_000;
const orgIds = ['org-a', 'org-b'] as const;
const grantAmounts = [300n, 2_000n, 5_000n, 12_000n] as const;

const stepArbitrary = fc.oneof(
  {
    arbitrary: fc.record({
      type: fc.constant('grant' as const),
      org: fc.constantFrom(...orgIds),
      grantNumber: fc.integer({ min: 0, max: grantAmounts.length - 1 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('hold' as const),
      org: fc.constantFrom(...orgIds),
      keyNumber: fc.integer({ min: 0, max: 1 }),
      amountMax: fc.oneof({ arbitrary: fc.bigInt({ min: 1n, max: 3_000n }), weight: 9 }, fc.constant(0n)),
      minPercent: fc.integer({ min: 0, max: 100 }),
      keyLimitNanos: fc.option(fc.bigInt({ min: 0n, max: 6_000n }), { freq: 3 }),
      isWindowToday: fc.boolean(),
      ttlMs: fc.integer({ min: 1_000, max: 100_000 }),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      type: fc.constant('settle' as const),
      pick: fc.nat(),
      ending: fc.constantFrom('zero', 'partial', 'full', 'above'),
      partialPercent: fc.integer({ min: 1, max: 99 }),
      costs: fc.array(fc.bigInt({ min: 0n, max: 500n }), { maxLength: 3 }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ type: fc.constant('repeat-hold' as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      type: fc.constant('tick' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 0, max: 30 * 3_600_000 })),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ type: fc.constant('reconcile' as const) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('switch' as const) }), weight: 1 },
);
type Step = typeof stepArbitrary extends fc.Arbitrary<infer S> ? S : never;

interface Run {
  readonly nodes: readonly [AsyncLedger, AsyncLedger];
  node: 0 | 1;
  readonly model: TestLedgerModel;
  nowMs: number;
  readonly requestIds: string[];
  holdsTried: number;
}

function chargeFor(step: Extract<Step, { type: 'settle' }>, holdAmount: Nanos): Nanos {
  if (step.ending === 'zero') return 0n;
  if (step.ending === 'full') return holdAmount;
  if (step.ending === 'above') return holdAmount + 1_000n;
  return (holdAmount * BigInt(step.partialPercent)) / 100n;
}

async function applyHold(run: Run, ledger: AsyncLedger, step: Extract<Step, { type: 'hold' }>): Promise<void> {
  run.holdsTried += 1;
  const requestId = `req-${run.holdsTried}-${run.nowMs}`;
  const windowStartMs = step.isWindowToday ? Math.floor(run.nowMs / dayMs) * dayMs : 0;
  const input = {
    requestId,
    orgId: step.org,
    keyId: `${step.org}-key-${step.keyNumber}`,
    amountMax: step.amountMax,
    amountMin: (step.amountMax * BigInt(step.minPercent)) / 100n,
    keyLimit: step.keyLimitNanos === null ? undefined : { limitNanos: step.keyLimitNanos, windowStartMs },
    nowMs: run.nowMs,
    ttlMs: step.ttlMs,
  };
  const result = await ledger.placeHold(input);
  expect(result).toEqual(run.model.placeHold(input));
  if (result.ok) run.requestIds.push(requestId);
}

async function applySettle(run: Run, ledger: AsyncLedger, step: Extract<Step, { type: 'settle' }>): Promise<void> {
  if (run.requestIds.length === 0) return;
  const requestId = run.requestIds[step.pick % run.requestIds.length] ?? '';
  const hold = await ledger.findHold(requestId);
  if (hold === undefined) throw new Error(`hold ${requestId} is missing`);
  const attemptCosts: AttemptCost[] = step.costs.map((amount, index) => ({
    attemptId: `att-${index}`,
    providerId: `p-${index}`,
    amount,
  }));
  const input = { requestId, chargeNanos: chargeFor(step, hold.amount), attemptCosts, nowMs: run.nowMs };
  expect(await ledger.settle(input)).toEqual(run.model.settle(input));
}

async function applyStep(run: Run, step: Step): Promise<void> {
  const ledger = run.nodes[run.node];
  switch (step.type) {
    case 'grant': {
      const grantId = `g-${step.org}-${step.grantNumber}`;
      const amount = grantAmounts[step.grantNumber] ?? 1n;
      const isNew = await ledger.grant({ grantId, orgId: step.org, amount, nowMs: run.nowMs });
      expect(isNew).toBe(run.model.grant(grantId, step.org, amount));
      return;
    }
    case 'hold':
      return applyHold(run, ledger, step);
    case 'settle':
      return applySettle(run, ledger, step);
    case 'repeat-hold': {
      const requestId = run.requestIds[step.pick % Math.max(run.requestIds.length, 1)];
      const hold = requestId === undefined ? undefined : await ledger.findHold(requestId);
      if (hold === undefined) return;
      const input = { ...hold, amountMax: hold.amount + 7n, amountMin: 1n, keyLimit: undefined, nowMs: run.nowMs };
      expect(await ledger.placeHold({ ...input, ttlMs: 1 })).toEqual({ ok: true, amount: hold.amount });
      return;
    }
    case 'tick':
      run.nowMs += step.ms;
      return;
    case 'reconcile':
      expect(await ledger.reconcile(run.nowMs, graceMs)).toBe(run.model.reconcile(run.nowMs, graceMs));
      return;
    case 'switch':
      run.node = run.node === 0 ? 1 : 0;
      return;
    default: {
      const unknownStep: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknownStep)}`);
    }
  }
}

/** The model's balances after every step; the invariants (only a leak may fail, when the model has one). */
async function checkRun(run: Run): Promise<void> {
  const ledger = run.nodes[run.node];
  const failing = (await ledger.verify(run.nowMs, graceMs)).filter((result) => !result.ok);
  expect(failing.map((result) => result.id)).toEqual(run.model.hasLeak(run.nowMs, graceMs) ? ['INV-5'] : []);
  for (const orgId of orgIds) expect(await ledger.balance(orgId)).toEqual(run.model.balance(orgId));
}

async function checkHolds(run: Run): Promise<void> {
  for (const [requestId, hold] of run.model.holds) {
    expect(await run.nodes[0].findHold(requestId)).toMatchObject({
      status: hold.status,
      chargedNanos: hold.chargedNanos,
    });
  }
}

function runSteps(cases: LedgerCases) {
  return async (steps: readonly Step[]): Promise<void> => {
    const store = await cases.open();
    try {
      const startMs = 10 * dayMs + 12_345;
      const run: Run = {
        nodes: [store.ledger, store.openPeer().ledger],
        node: 0,
        model: createTestLedgerModel(),
        nowMs: startMs,
        requestIds: [],
        holdsTried: 0,
      };
      for (const step of steps) {
        await applyStep(run, step);
        await checkRun(run);
      }
      await checkHolds(run);
    } finally {
      await store.close();
    }
  };
}

describeEachDriver('ledger: random steps against the arithmetic model', ledgerCaseOpeners, (context) => {
  it('agrees with the model and keeps every invariant after every step', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { minLength: 1, maxLength: 25, size: 'medium' }),
        runSteps(context.ports),
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
