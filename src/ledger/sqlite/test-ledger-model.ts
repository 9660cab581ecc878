import type {
  HoldStatus,
  Nanos,
  OrgBalance,
  PlaceHoldInput,
  PlaceHoldResult,
  SettleInput,
  SettleResult,
} from '../ledger-types.js';

interface ModelHold {
  readonly orgId: string;
  readonly keyId: string;
  readonly amount: Nanos;
  readonly expiresAtMs: number;
  status: HoldStatus;
  chargedNanos: Nanos | null;
}

interface ModelOrg {
  availableNanos: Nanos;
  heldNanos: Nanos;
  grantedNanos: Nanos;
  chargedNanos: Nanos;
}

const minOf = (left: Nanos, right: Nanos): Nanos => (left < right ? left : right);

/**
 * The ledger's rules as plain in-memory arithmetic, for the property test: the SQLite
 * ledger (SQL, caches, key-day buckets, restarts) must agree with it after every step.
 */
export function createTestLedgerModel() {
  const orgs = new Map<string, ModelOrg>();
  const holds = new Map<string, ModelHold>();
  const grants = new Set<string>();
  const keyCharges: { readonly keyId: string; readonly atMs: number; readonly amount: Nanos }[] = [];
  const orgOf = (orgId: string): ModelOrg => {
    const org = orgs.get(orgId) ?? { availableNanos: 0n, heldNanos: 0n, grantedNanos: 0n, chargedNanos: 0n };
    orgs.set(orgId, org);
    return org;
  };
  const keyRemaining = (input: PlaceHoldInput): Nanos | undefined => {
    if (input.keyLimit === undefined) return undefined;
    const { limitNanos, windowStartMs } = input.keyLimit;
    let used = 0n;
    for (const charge of keyCharges)
      if (charge.keyId === input.keyId && charge.atMs >= windowStartMs) used += charge.amount;
    for (const hold of holds.values()) if (hold.keyId === input.keyId && hold.status === 'active') used += hold.amount;
    return limitNanos - used > 0n ? limitNanos - used : 0n;
  };
  return {
    holds: holds as ReadonlyMap<string, Readonly<ModelHold>>,
    balance: (orgId: string): OrgBalance => ({ ...orgOf(orgId) }),
    grant(grantId: string, orgId: string, amount: Nanos): boolean {
      if (grants.has(grantId)) return false;
      grants.add(grantId);
      orgOf(orgId).availableNanos += amount;
      orgOf(orgId).grantedNanos += amount;
      return true;
    },
    placeHold(input: PlaceHoldInput): PlaceHoldResult {
      const existing = holds.get(input.requestId);
      if (existing !== undefined) return { ok: true, amount: existing.amount };
      const org = orgOf(input.orgId);
      const remaining = keyRemaining(input);
      const affordable = remaining === undefined ? org.availableNanos : minOf(org.availableNanos, remaining);
      const amount = minOf(input.amountMax, affordable);
      const needed = input.amountMin > 0n || input.amountMax === 0n ? input.amountMin : 1n;
      if (amount < needed) {
        const reason = org.availableNanos < needed ? 'insufficient_credits' : 'key_limit_reached';
        return { ok: false, reason, affordableNanos: affordable };
      }
      const expiresAtMs = input.nowMs + input.ttlMs;
      holds.set(input.requestId, {
        orgId: input.orgId,
        keyId: input.keyId,
        amount,
        expiresAtMs,
        status: 'active',
        chargedNanos: null,
      });
      org.availableNanos -= amount;
      org.heldNanos += amount;
      return { ok: true, amount };
    },
    settle(input: SettleInput): SettleResult {
      const hold = holds.get(input.requestId);
      if (hold === undefined) throw new Error('the model has no such hold');
      if (hold.status !== 'active') return { chargedNanos: hold.chargedNanos ?? 0n, isFirstSettlement: false };
      // Above the hold, the charge draws on what the org still has available, never more.
      const org = orgOf(hold.orgId);
      const charged = minOf(input.chargeNanos, hold.amount + org.availableNanos);
      const topUp = charged > hold.amount ? charged - hold.amount : 0n;
      org.availableNanos -= topUp;
      org.heldNanos -= hold.amount;
      org.availableNanos += hold.amount + topUp - charged;
      org.chargedNanos += charged;
      keyCharges.push({ keyId: hold.keyId, atMs: input.nowMs, amount: charged });
      hold.status = 'posted';
      hold.chargedNanos = charged;
      return { chargedNanos: charged, isFirstSettlement: true };
    },
    reconcile(nowMs: number, graceMs: number): number {
      let count = 0;
      for (const hold of holds.values()) {
        if (hold.status !== 'active' || hold.expiresAtMs + graceMs > nowMs) continue;
        const org = orgOf(hold.orgId);
        org.heldNanos -= hold.amount;
        org.availableNanos += hold.amount;
        hold.status = 'expired';
        hold.chargedNanos = 0n;
        count += 1;
      }
      return count;
    },
    /** Whether some active hold is past `expiresAtMs + graceMs` (what verify calls leaked). */
    hasLeak: (nowMs: number, graceMs: number): boolean =>
      [...holds.values()].some((hold) => hold.status === 'active' && hold.expiresAtMs + graceMs < nowMs),
    orgIds: (): string[] => [...orgs.keys()],
  };
}

export type TestLedgerModel = ReturnType<typeof createTestLedgerModel>;
