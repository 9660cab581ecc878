import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

const dayMs = 86_400_000;

describe('placeHold', () => {
  it('holds amountMax when affordable and posts org available → org held', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1', { amountMax: 1_000n, amountMin: 100n }))).toEqual({
      ok: true,
      amount: 1_000n,
    });
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 9_000n,
      heldNanos: 1_000n,
      grantedNanos: 10_000n,
      chargedNanos: 0n,
    });
    expect(ledger.findHold('req-1')).toEqual({
      requestId: 'req-1',
      orgId: 'org-a',
      keyId: 'key-a',
      amount: 1_000n,
      status: 'active',
      createdAtMs: 1_000_000,
      expiresAtMs: 1_060_000,
      resolvedAtMs: null,
      chargedNanos: null,
    });
    expect(ledger.postings({ requestId: 'req-1' })).toEqual([
      {
        id: 2,
        transferId: 'hold:req-1',
        debitAccount: 'org:org-a:available',
        creditAccount: 'org:org-a:held',
        amount: 1_000n,
        kind: 'hold',
        requestId: 'req-1',
        attemptId: null,
        keyId: 'key-a',
        createdAtMs: 1_000_000,
      },
    ]);
  });

  it('lowers the hold to what the org has left, down to amountMin', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_250n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1', { amountMax: 1_000n }))).toEqual({ ok: true, amount: 1_000n });
    expect(ledger.placeHold(hold('req-2', { amountMax: 1_000n, amountMin: 250n }))).toEqual({ ok: true, amount: 250n });
    expect(ledger.balance('org-a').availableNanos).toBe(0n);
    expect(ledger.placeHold(hold('req-3', { amountMin: 0n }))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 0n,
    });
  });

  it('rejects with insufficient_credits and what the org could cover when it cannot pay amountMin; writes nothing', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 99n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1', { amountMin: 100n }))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 99n,
    });
    expect(ledger.findHold('req-1')).toBeUndefined();
    expect(ledger.postings()).toHaveLength(1);
    expect(ledger.placeHold(hold('req-1', { amountMin: 99n }))).toEqual({ ok: true, amount: 99n });
  });

  it('treats amountMin 0 as "at least 1 nano"', () => {
    const { ledger } = openTestLedger();
    expect(ledger.placeHold(hold('req-1', { amountMin: 0n }))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 0n,
    });
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1', { amountMin: 0n }))).toEqual({ ok: true, amount: 1n });
  });

  it('admits a free request (amountMax 0) with no credit: a hold of 0, no posting, settled or expired exactly once', () => {
    const { ledger } = openTestLedger();
    const free = { amountMax: 0n, amountMin: 0n, keyLimit: { limitNanos: 0n, windowStartMs: 0 } };
    expect(ledger.placeHold(hold('req-free', free))).toEqual({ ok: true, amount: 0n });
    expect(ledger.placeHold(hold('req-lost', free))).toEqual({ ok: true, amount: 0n });
    expect(ledger.findHold('req-free')).toMatchObject({ amount: 0n, status: 'active' });
    expect(ledger.postings()).toEqual([]);
    const attemptCosts = [{ attemptId: 'att-1', providerId: 'local', amount: 3n }];
    expect(ledger.settle({ requestId: 'req-free', chargeNanos: 50n, attemptCosts, nowMs: 1_000_500 })).toEqual({
      chargedNanos: 0n,
      isFirstSettlement: true,
    });
    expect(ledger.postings().map((posting) => [posting.kind, posting.debitAccount, posting.amount])).toEqual([
      ['provider_cost', 'platform:insurance_expense', 3n],
    ]);
    expect(ledger.reconcile(1_060_000, 0)).toBe(1);
    expect(ledger.findHold('req-lost')).toMatchObject({ status: 'expired', chargedNanos: 0n });
    expect(ledger.postings()).toHaveLength(1);
    expect(ledger.verify(1_060_000, 0).filter((result) => !result.ok)).toEqual([]);
  });

  it('caps the hold at the key limit left in its window (charges + active holds) and rejects with key_limit_reached', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_000_000n, nowMs: 0 });
    const keyLimit = { limitNanos: 1_500n, windowStartMs: 0 };
    expect(ledger.placeHold(hold('req-1', { keyLimit }))).toEqual({ ok: true, amount: 1_000n });
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 700n, attemptCosts: [], nowMs: 1_000_001 })).toEqual({
      chargedNanos: 700n,
      isFirstSettlement: true,
    });
    expect(ledger.placeHold(hold('req-2', { keyLimit, amountMin: 10n }))).toEqual({ ok: true, amount: 800n });
    expect(ledger.placeHold(hold('req-3', { keyLimit, amountMin: 0n }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 0n,
    });
    // Another key of the same org is not limited by key-a's spend.
    expect(ledger.placeHold(hold('req-4', { keyId: 'key-b', keyLimit }))).toEqual({ ok: true, amount: 1_000n });
    // A new window (the next UTC day) starts from zero spend, but key-a's active hold still counts.
    const nextWindow = { limitNanos: 1_500n, windowStartMs: dayMs };
    expect(ledger.placeHold(hold('req-5', { keyLimit: nextWindow }))).toEqual({ ok: true, amount: 700n });
  });

  it('reports what the key limit could still cover when it is the binding constraint', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_000n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1', { keyLimit: { limitNanos: 50n, windowStartMs: 0 } }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 50n,
    });
    expect(ledger.placeHold(hold('req-2', { keyLimit: { limitNanos: 0n, windowStartMs: 0 } }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 0n,
    });
  });

  it('is idempotent by request id: the same hold comes back and nothing is posted again', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    expect(ledger.placeHold(hold('req-1', { amountMax: 600n }))).toEqual({ ok: true, amount: 600n });
    expect(ledger.placeHold(hold('req-1', { amountMax: 900n }))).toEqual({ ok: true, amount: 600n });
    expect(ledger.postings({ requestId: 'req-1' })).toHaveLength(1);
    expect(ledger.balance('org-a').heldNanos).toBe(600n);
    expect(() => ledger.placeHold(hold('req-1', { orgId: 'org-b' }))).toThrow('another org or key');
  });

  it('refuses negative, inverted or huge amounts and bad times without writing', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    expect(() => ledger.placeHold(hold('r', { amountMax: -1n, amountMin: -1n }))).toThrow('amountMax');
    expect(() => ledger.placeHold(hold('r', { amountMin: -1n }))).toThrow('amountMin');
    expect(() => ledger.placeHold(hold('r', { amountMax: 10n, amountMin: 11n }))).toThrow('exceeds amountMax');
    expect(() => ledger.placeHold(hold('r', { amountMax: 10n ** 18n + 1n }))).toThrow('amountMax');
    expect(() => ledger.placeHold(hold('r', { keyLimit: { limitNanos: -1n, windowStartMs: 0 } }))).toThrow(
      'limitNanos',
    );
    expect(() => ledger.placeHold(hold('r', { ttlMs: -1 }))).toThrow('bad times');
    expect(ledger.activeHolds()).toEqual([]);
  });

  it('two connections to one file see each other: together they never hold more than the balance', () => {
    const directory = mkdtempSync(join(tmpdir(), 'meridian-ledger-'));
    try {
      const first = openTestLedger(join(directory, 'ledger.db'));
      const second = openTestLedger(join(directory, 'ledger.db'));
      first.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
      expect(first.ledger.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
      expect(second.ledger.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 500n });
      expect(first.ledger.placeHold(hold('req-3'))).toEqual({
        ok: false,
        reason: 'insufficient_credits',
        affordableNanos: 0n,
      });
      expect(second.ledger.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
      expect(second.ledger.balance('org-a')).toEqual({
        availableNanos: 0n,
        heldNanos: 1_500n,
        grantedNanos: 1_500n,
        chargedNanos: 0n,
      });
      first.database.close();
      second.database.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
