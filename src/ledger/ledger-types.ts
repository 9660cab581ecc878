/**
 * The ledger contract (RELIABILITY.md, "Ledger model"). Money is `bigint` nano-units
 * (1e-9 USD). Double entry: every posting moves `amount` from `debitAccount` (its
 * balance goes down) to `creditAccount` (its balance goes up), so the balances of all
 * accounts always sum to zero. Postings are append-only; balances are derived from
 * them (a cached balance may exist and is verified against the postings).
 *
 * Accounts:
 * - `org:<id>:available`, `org:<id>:held` — a customer's spendable and reserved credit;
 * - `platform:grants` — credit issued to customers (goes negative as credit is sold/granted);
 * - `platform:revenue` — what customers were charged;
 * - `platform:inference_cost` — upstream cost of calls the customer paid for (expense, negative);
 * - `platform:insurance_expense` — upstream cost of calls the customer did not pay for (expense, negative);
 * - `platform:provider_payable:<provider id>` — what the operator owes each provider.
 */

export type Nanos = bigint;

export type PostingKind =
  | 'grant' // platform:grants → org available
  | 'hold' // org available → org held
  | 'top_up' // org available → org held, at settlement, when the call cost more than its hold and credit remains
  | 'charge' // org held → platform:revenue
  | 'release' // org held → org available (the unused part of a hold)
  | 'expire' // org held → org available (a hold the reconciler resolved)
  | 'provider_cost' // platform:inference_cost or platform:insurance_expense → platform:provider_payable:<id>
  | 'refund'; // platform:revenue → org available (an operator's correction)

export interface Posting {
  readonly id: number;
  /** Groups the postings of one business event (a grant, a hold, a settlement). */
  readonly transferId: string;
  readonly debitAccount: string;
  readonly creditAccount: string;
  readonly amount: Nanos;
  readonly kind: PostingKind;
  readonly requestId: string | null;
  readonly attemptId: string | null;
  readonly keyId: string | null;
  readonly createdAtMs: number;
}

export type HoldStatus = 'active' | 'posted' | 'expired';

export interface Hold {
  readonly requestId: string;
  readonly orgId: string;
  readonly keyId: string;
  readonly amount: Nanos;
  readonly status: HoldStatus;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly resolvedAtMs: number | null;
  /** What settlement charged (posted holds). */
  readonly chargedNanos: Nanos | null;
}

/** A key's own credit limit and the current window (UTC day/ISO week/month start; 0 for `none`). */
export interface KeyLimit {
  readonly limitNanos: Nanos;
  readonly windowStartMs: number;
}

export interface PlaceHoldInput {
  readonly requestId: string;
  readonly orgId: string;
  readonly keyId: string;
  /** The most this request can cost (prompt estimate + max output, at the most expensive planned endpoint). */
  readonly amountMax: Nanos;
  /** The least the request must be able to pay to be worth sending (its prompt alone). */
  readonly amountMin: Nanos;
  readonly keyLimit: KeyLimit | undefined;
  readonly nowMs: number;
  readonly ttlMs: number;
}

export type PlaceHoldResult =
  | { readonly ok: true; readonly amount: Nanos }
  | {
      readonly ok: false;
      readonly reason: 'insufficient_credits' | 'key_limit_reached';
      /** What the org (or the key's limit) could still cover. */
      readonly affordableNanos: Nanos;
    };

/** Upstream cost of one attempt, posted whatever the customer is charged. */
export interface AttemptCost {
  readonly attemptId: string;
  readonly providerId: string;
  readonly amount: Nanos;
}

export interface SettleInput {
  readonly requestId: string;
  /**
   * What the settlement table says the customer owes. Above the hold, the difference is drawn from what the org
   * still has available (a `top_up`), never more: the balance never goes below zero (INV-2).
   */
  readonly chargeNanos: Nanos;
  readonly attemptCosts: readonly AttemptCost[];
  readonly nowMs: number;
}

export interface SettleResult {
  /** What was charged (≤ hold + what was available), or the earlier settlement's charge when replayed. */
  readonly chargedNanos: Nanos;
  /** False when the hold was already resolved (exactly once: nothing posted again). */
  readonly isFirstSettlement: boolean;
}

export interface OrgBalance {
  readonly availableNanos: Nanos;
  readonly heldNanos: Nanos;
  readonly grantedNanos: Nanos;
  readonly chargedNanos: Nanos;
}

/** What `verify` needs to know of the node's settings. */
export interface VerifyOptions {
  /**
   * Set for a node's whole store (not a ledger alone): each hold settled with a charge or a provider cost must have
   * its generation record (INV-4). `retentionDays` is `storage.generation_retention_days`: records older than that
   * are purged, so only holds placed since a day inside the retention are looked at; undefined: records are kept.
   */
  readonly generationRecords?: { readonly retentionDays: number | undefined };
}

/** One invariant check: its id (INV-n), whether it holds, and what fails (human-readable, one line each). */
export interface InvariantResult {
  readonly id: string;
  readonly title: string;
  readonly ok: boolean;
  readonly failures: readonly string[];
  /** Set when the store alone cannot decide all of it (e.g. INV-8: which routes answer whom is an API property). */
  readonly note?: string;
}

export interface Ledger {
  /** Credit an org (idempotent by `grantId`: a second call with the same id posts nothing and returns false). */
  grant(input: {
    readonly grantId: string;
    readonly orgId: string;
    readonly amount: Nanos;
    readonly nowMs: number;
  }): boolean;
  /** Admission: one atomic transaction, never read-then-write across calls. Idempotent by requestId. */
  placeHold(input: PlaceHoldInput): PlaceHoldResult;
  /**
   * Settlement, exactly once per request: charge (≤ hold) held → revenue, the rest held → available,
   * each attempt's cost to provider_payable (from inference_cost when charged > 0, else insurance_expense).
   * Runs in its own transaction, or as a savepoint inside the caller's (the generation writer's batch).
   */
  settle(input: SettleInput): SettleResult;
  /** Expires active holds past `expiresAtMs + graceMs`: the whole hold goes back to available, charge 0. */
  reconcile(nowMs: number, graceMs: number): number;
  /**
   * Moves the expiry of these holds, where still active, to `expiresAtMs` (never earlier; settled, expired or unknown
   * ones are skipped): the node running a call keeps its hold from expiring while the call lasts. Returns how many moved.
   */
  renew(requestIds: readonly string[], expiresAtMs: number): number;
  balance(orgId: string): OrgBalance;
  /** A key's spend (charges) in its current window plus its active holds. */
  keySpend(keyId: string, windowStartMs: number): { readonly spentNanos: Nanos; readonly heldNanos: Nanos };
  findHold(requestId: string): Hold | undefined;
  activeHolds(): readonly Hold[];
  postings(filter?: { readonly requestId?: string; readonly account?: string }): readonly Posting[];
  /** Checks INV-1..INV-8 against the store at `nowMs` (holds past TTL + grace count as leaked). */
  verify(nowMs: number, graceMs: number, options?: VerifyOptions): readonly InvariantResult[];
  /** Writes admissions decided but not yet durable (a batching store); every other call does it first. */
  flushPending(): void;
  /**
   * Runs `work` in one transaction of the ledger's store, right after writing the pending admissions: one
   * commit for both. If `work` throws, everything rolls back and the admissions stay pending.
   */
  withPendingWritten<T>(work: () => T): T;
}
