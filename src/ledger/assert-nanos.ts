import { strict as assert } from 'node:assert';
import type { Nanos } from './ledger-types.js';

/**
 * The largest single amount the ledger books: 1e18 nanos (1e9 USD). Anything larger is
 * impossible usage or a unit bug; refusing it keeps every sum far from the 64-bit limit
 * of SQLite INTEGER columns (9.2e18), where an overflow would otherwise abort a commit.
 */
export const nanosMax: Nanos = 10n ** 18n;

/**
 * Asserts that an amount is an integer number of nanos in [`min`, {@link nanosMax}] (INV-7:
 * never a negative or unbounded amount). A failure is a caller bug: an AssertionError,
 * which the HTTP boundary turns into a 500 `internal_error`. The message is built only on failure: on the money path
 * this runs for every amount, and writing three bigints as decimal text cost more than the checks.
 */
export function assertNanos(name: string, value: Nanos, min: Nanos = 0n): void {
  if (typeof value !== 'bigint') assert.fail(`${name} must be a bigint`);
  if (value < min || value > nanosMax) assert.fail(`${name} must be in [${min}, ${nanosMax}] nanos, got ${value}`);
}
