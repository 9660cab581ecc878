import type { Nanos } from '../ledger-types.js';

/**
 * What a batch of postings moves in the cached totals (account balances, each org's charged total, each key's day
 * buckets), summed per row so that a group commit of many calls writes each row once instead of once per posting.
 */
export interface BalanceDeltas {
  readonly byAccount: Map<string, Nanos>;
  readonly chargedByOrg: Map<string, Nanos>;
  /** By key id and UTC day start. */
  readonly chargedByKeyDay: Map<string, { readonly keyId: string; readonly dayStartMs: number; amount: Nanos }>;
}

/** Where a ledger's statements keep the deltas of the batch being written, if any. */
export interface DeferredBalances {
  current: BalanceDeltas | undefined;
}

export function createBalanceDeltas(): BalanceDeltas {
  return { byAccount: new Map(), chargedByOrg: new Map(), chargedByKeyDay: new Map() };
}

export function addDelta(totals: Map<string, Nanos>, id: string, delta: Nanos): void {
  totals.set(id, (totals.get(id) ?? 0n) + delta);
}

export function addKeyDayDelta(deltas: BalanceDeltas, keyId: string, dayStartMs: number, amount: Nanos): void {
  const id = `${keyId}\u0000${dayStartMs}`;
  const known = deltas.chargedByKeyDay.get(id);
  if (known === undefined) deltas.chargedByKeyDay.set(id, { keyId, dayStartMs, amount });
  else known.amount += amount;
}

/** The part of a key's spend since `firstDayStartMs` that is still in the batch's deltas. */
export function sumPendingKeySpend(deltas: BalanceDeltas | undefined, keyId: string, firstDayStartMs: number): Nanos {
  if (deltas === undefined) return 0n;
  let total = 0n;
  for (const day of deltas.chargedByKeyDay.values()) {
    if (day.keyId === keyId && day.dayStartMs >= firstDayStartMs) total += day.amount;
  }
  return total;
}
