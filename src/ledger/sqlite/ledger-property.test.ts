import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptCost, Nanos, SettleInput, SettleResult } from '../ledger-types.js';
import type { TestLedgerModel } from './test-ledger-model.js';
import { createTestLedgerModel } from './test-ledger-model.js';
import type { TestLedger } from './test-support.js';
import { openTestLedger } from './test-support.js';

const dayMs = 86_400_000;
const graceMs = 5_000;
const orgIds = ['org-a', 'org-b'] as const;
const grantAmounts = [300n, 2_000n, 5_000n, 12_000n] as const;

const grantStep = fc.record({
  type: fc.constant('grant' as const),
  org: fc.constantFrom(...orgIds),
  grantNumber: fc.integer({ min: 0, max: grantAmounts.length - 1 }),
});
const holdStep = fc.record({
  type: fc.constant('hold' as const),
  org: fc.constantFrom(...orgIds),
  keyNumber: fc.integer({ min: 0, max: 1 }),
  amountMax: fc.oneof({ arbitrary: fc.bigInt({ min: 1n, max: 3_000n }), weight: 9 }, fc.constant(0n)),
  minPercent: fc.integer({ min: 0, max: 100 }),
  keyLimitNanos: fc.option(fc.bigInt({ min: 0n, max: 6_000n }), { freq: 3 }),
  isWindowToday: fc.boolean(),
  ttlMs: fc.integer({ min: 1_000, max: 100_000 }),
});
const settleStep = fc.record({
  type: fc.constant('settle' as const),
  pick: fc.nat(),
  ending: fc.constantFrom('zero', 'partial', 'full', 'above'),
  partialPercent: fc.integer({ min: 1, max: 99 }),
  costs: fc.array(fc.bigInt({ min: 0n, max: 500n }), { maxLength: 3 }),
});
const repeatHoldStep = fc.record({ type: fc.constant('repeat-hold' as const), pick: fc.nat() });
const tickStep = fc.record({
  type: fc.constant('tick' as const),
  ms: fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.integer({ min: 0, max: 30 * 3_600_000 })),
});
const reconcileStep = fc.record({ type: fc.constant('reconcile' as const) });
const restartStep = fc.record({ type: fc.constant('restart' as const) });
const crashStep = fc.record({ type: fc.constant('crash' as const), during: fc.oneof(grantStep, holdStep, settleStep) });
/** Several admissions and settlements in one event-loop turn: batched holds are still queued in between. */
const burstStep = fc.record({
  type: fc.constant('burst' as const),
  steps: fc.array(fc.oneof(holdStep, settleStep), { minLength: 2, maxLength: 6 }),
});
/**
 * A group commit: admissions, then settlements inside the transaction that writes them (as the generation writer
 * settles calls), so a batched hold can be settled before its row is written. The batch may fail after its
 * settlements (disk full): then nothing of it is written, and its holds are still queued and still counted.
 */
const batchStep = fc.record({
  type: fc.constant('batch' as const),
  holds: fc.array(holdStep, { maxLength: 3 }),
  settles: fc.array(settleStep, { minLength: 1, maxLength: 4 }),
  fails: fc.boolean(),
});
/** Batched mode: the process dies with admitted holds not yet written; they must vanish without a trace. */
const crashQueuedStep = fc.record({
  type: fc.constant('crash-queued' as const),
  holds: fc.array(holdStep, { minLength: 1, maxLength: 3 }),
});

const stepArbitrary = fc.oneof(
  { arbitrary: grantStep, weight: 2 },
  { arbitrary: holdStep, weight: 5 },
  { arbitrary: settleStep, weight: 5 },
  { arbitrary: repeatHoldStep, weight: 1 },
  { arbitrary: tickStep, weight: 3 },
  { arbitrary: reconcileStep, weight: 2 },
  { arbitrary: restartStep, weight: 1 },
  { arbitrary: crashStep, weight: 1 },
  { arbitrary: burstStep, weight: 2 },
  { arbitrary: crashQueuedStep, weight: 1 },
  { arbitrary: batchStep, weight: 2 },
);
type Step = typeof stepArbitrary extends fc.Arbitrary<infer S> ? S : never;
type WriteStep = Extract<Step, { type: 'grant' | 'hold' | 'settle' }>;

interface Run {
  readonly path: string;
  readonly holdCommit: 'each' | 'batched';
  opened: TestLedger;
  readonly model: TestLedgerModel;
  nowMs: number;
  lastReconcileMs: number;
  readonly requestIds: string[];
  holdsTried: number;
}

function chargeFor(step: Extract<Step, { type: 'settle' }>, holdAmount: Nanos): Nanos {
  if (step.ending === 'zero') return 0n;
  if (step.ending === 'full') return holdAmount;
  if (step.ending === 'above') return holdAmount + 1_000n;
  return (holdAmount * BigInt(step.partialPercent)) / 100n;
}

/** Applies a write to the ledger, and to the model too unless it is rolled back by a crash. */
function applyWrite(run: Run, step: WriteStep, shouldApplyToModel: boolean): void {
  const { ledger } = run.opened;
  if (step.type === 'grant') {
    const grant = {
      grantId: `g-${step.org}-${step.grantNumber}`,
      orgId: step.org,
      amount: grantAmounts[step.grantNumber] ?? 1n,
    };
    const isNew = ledger.grant({ ...grant, nowMs: run.nowMs });
    if (shouldApplyToModel) expect(isNew).toBe(run.model.grant(grant.grantId, grant.orgId, grant.amount));
  } else if (step.type === 'hold') {
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
    const result = ledger.placeHold(input);
    if (shouldApplyToModel) {
      expect(result).toEqual(run.model.placeHold(input));
      if (result.ok) run.requestIds.push(requestId);
    }
  } else {
    if (run.requestIds.length === 0) return;
    const requestId = run.requestIds[step.pick % run.requestIds.length] ?? '';
    const hold = ledger.findHold(requestId);
    if (hold === undefined) throw new Error(`hold ${requestId} is missing`);
    const attemptCosts: AttemptCost[] = step.costs.map((amount, index) => ({
      attemptId: `att-${index}`,
      providerId: `p-${index}`,
      amount,
    }));
    const input = { requestId, chargeNanos: chargeFor(step, hold.amount), attemptCosts, nowMs: run.nowMs };
    const result = ledger.settle(input);
    if (shouldApplyToModel) expect(result).toEqual(run.model.settle(input));
  }
}

/** A settlement's input, its hold read from the model (reading it from the ledger would write the queue first). */
function createSettleInput(run: Run, step: Extract<Step, { type: 'settle' }>): SettleInput | undefined {
  const requestId = run.requestIds[step.pick % Math.max(run.requestIds.length, 1)];
  const hold = requestId === undefined ? undefined : run.model.holds.get(requestId);
  if (requestId === undefined || hold === undefined) return undefined;
  const attemptCosts: AttemptCost[] = step.costs.map((amount, index) => ({
    attemptId: `att-${index}`,
    providerId: `p-${index}`,
    amount,
  }));
  return { requestId, chargeNanos: chargeFor(step, hold.amount), attemptCosts, nowMs: run.nowMs };
}

function applyBatch(run: Run, step: Extract<Step, { type: 'batch' }>): void {
  for (const hold of step.holds) applyWrite(run, hold, true);
  const inputs = step.settles.map((settle) => createSettleInput(run, settle)).filter((input) => input !== undefined);
  const batchFailure = new Error('the batch failed');
  let results: SettleResult[] = [];
  try {
    results = run.opened.ledger.withPendingWritten(() => {
      const settled = inputs.map((input) => run.opened.ledger.settle(input));
      if (step.fails) throw batchFailure;
      return settled;
    });
  } catch (error) {
    if (error !== batchFailure) throw error;
    return;
  }
  expect(results).toEqual(inputs.map((input) => run.model.settle(input)));
}

function reopen(run: Run): void {
  run.opened = openTestLedger(run.path, { holdCommit: run.holdCommit });
}

function applyStep(run: Run, step: Step): void {
  switch (step.type) {
    case 'grant':
    case 'hold':
    case 'settle':
      return applyWrite(run, step, true);
    case 'repeat-hold': {
      const requestId = run.requestIds[step.pick % Math.max(run.requestIds.length, 1)];
      const hold = requestId === undefined ? undefined : run.opened.ledger.findHold(requestId);
      if (hold === undefined) return;
      const input = {
        ...hold,
        amountMax: hold.amount + 7n,
        amountMin: 1n,
        keyLimit: undefined,
        nowMs: run.nowMs,
        ttlMs: 1,
      };
      expect(run.opened.ledger.placeHold(input)).toEqual({ ok: true, amount: hold.amount });
      return;
    }
    case 'tick':
      run.nowMs += step.ms;
      return;
    case 'reconcile':
      expect(run.opened.ledger.reconcile(run.nowMs, graceMs)).toBe(run.model.reconcile(run.nowMs, graceMs));
      run.lastReconcileMs = run.nowMs;
      return;
    case 'restart':
      run.opened.database.close();
      return reopen(run);
    case 'crash':
      // The process dies inside an uncommitted transaction: closing the connection rolls it back.
      run.opened.ledger.flushPending();
      run.opened.database.exec('BEGIN IMMEDIATE');
      applyWrite(run, step.during, false);
      run.opened.database.close();
      return reopen(run);
    case 'burst':
      for (const write of step.steps) applyWrite(run, write, true);
      return;
    case 'batch':
      return applyBatch(run, step);
    case 'crash-queued':
      if (run.holdCommit === 'each') return;
      for (const hold of step.holds) applyWrite(run, hold, false);
      run.opened.database.close();
      return reopen(run);
    default: {
      const unknownStep: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknownStep)}`);
    }
  }
}

/** The invariants, the model's balances and hold states, after every step. */
function checkRun(run: Run): void {
  const { ledger } = run.opened;
  expect(ledger.verify(run.lastReconcileMs, graceMs).filter((result) => !result.ok)).toEqual([]);
  const now = ledger.verify(run.nowMs, graceMs);
  expect(now.filter((result) => !result.ok).map((result) => result.id)).toEqual(
    run.model.hasLeak(run.nowMs, graceMs) ? ['INV-5'] : [],
  );
  for (const orgId of orgIds) {
    const balance = ledger.balance(orgId);
    expect(balance).toEqual(run.model.balance(orgId));
    expect(balance.availableNanos >= 0n && balance.heldNanos >= 0n).toBe(true);
    expect(balance.chargedNanos <= balance.grantedNanos).toBe(true);
  }
  for (const [requestId, hold] of run.model.holds) {
    expect(ledger.findHold(requestId)).toMatchObject({ status: hold.status, chargedNanos: hold.chargedNanos });
    const resolutions = ledger.postings({ requestId }).filter((posting) => ['charge', 'expire'].includes(posting.kind));
    expect(resolutions.length).toBeLessThanOrEqual(1);
  }
}

describe.each(['each', 'batched'] as const)(
  'the ledger (%s holds) under random grants, holds, endings, reconciles, restarts and crashes',
  (holdCommit) => {
    it('keeps every invariant and agrees with the arithmetic model after every step', () => {
      fc.assert(
        fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 40, size: 'medium' }), (steps) => {
          const directory = mkdtempSync(join(tmpdir(), 'meridian-ledger-property-'));
          const path = join(directory, 'ledger.db');
          const startMs = 10 * dayMs + 12_345;
          const run: Run = {
            path,
            holdCommit,
            opened: openTestLedger(path, { holdCommit }),
            model: createTestLedgerModel(),
            nowMs: startMs,
            lastReconcileMs: startMs,
            requestIds: [],
            holdsTried: 0,
          };
          try {
            for (const step of steps) {
              applyStep(run, step);
              checkRun(run);
            }
          } finally {
            run.opened.database.close();
            rmSync(directory, { recursive: true, force: true });
          }
        }),
        { numRuns: 100 },
      );
    }, 60_000);
  },
);
