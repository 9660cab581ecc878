/**
 * A ledger write refused for a reason the caller can explain to a client (not a bug):
 * - `grant_conflict`: a grant id already used for another org or amount;
 * - `balance_limit`: the write would take an account past {@link balanceNanosMax}.
 */
export class LedgerRefusal extends Error {
  readonly reason: 'grant_conflict' | 'balance_limit';

  constructor(reason: LedgerRefusal['reason'], message: string) {
    super(message);
    this.name = 'LedgerRefusal';
    this.reason = reason;
  }
}

/**
 * The largest magnitude any account balance may reach: 9e18 nanos (9e9 USD), below SQLite's 64-bit INTEGER
 * limit (9.22e18), where an overflowing sum would become a REAL that the STRICT tables refuse mid-commit.
 */
export const balanceNanosMax = 9n * 10n ** 18n;
