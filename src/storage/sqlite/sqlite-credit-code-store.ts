import { createHash, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { codeGrantIdPrefix } from '../../ledger/index.js';
import type { Ledger } from '../../ledger/index.js';
import type { CreditCodeStore } from '../ports.js';

/** `mer-cc-` + 128 random bits in base64url: typed so secret scanners and support staff recognise it. */
export const creditCodePrefix = 'mer-cc-';

function digestCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * Credit codes on SQLite. Redemption is one transaction: mark the code redeemed only if it is not yet
 * (`WHERE redeemed_by_org IS NULL`), then grant its amount with the code's digest as the grant id — so a
 * code pays out exactly once, even when two orgs redeem it at the same instant.
 */
export function createSqliteCreditCodeStore(database: Database, ledger: Ledger): CreditCodeStore {
  const insert = database.prepare('INSERT INTO credit_codes (digest, amount, created_at_ms) VALUES (?, ?, ?)');
  const claim = database.prepare(
    'UPDATE credit_codes SET redeemed_by_org = ?, redeemed_at_ms = ? WHERE digest = ? AND redeemed_by_org IS NULL',
  );
  const amountOf = database.prepare('SELECT amount FROM credit_codes WHERE digest = ?').safeIntegers(true);
  const createMany = database.transaction((amount: bigint, count: number, nowMs: number) =>
    Array.from({ length: count }, () => {
      const code = creditCodePrefix + randomBytes(16).toString('base64url');
      insert.run(digestCode(code), amount, nowMs);
      return code;
    }),
  );
  const redeem = database.transaction((code: string, orgId: string, nowMs: number): bigint | undefined => {
    const digest = digestCode(code);
    if (claim.run(orgId, nowMs, digest).changes !== 1) return undefined;
    const amount = (amountOf.get(digest) as { amount: bigint }).amount;
    ledger.grant({ grantId: `${codeGrantIdPrefix}${digest}`, orgId, amount, nowMs });
    return amount;
  });
  return {
    createCodes: (amount, count, nowMs) => createMany(amount, count, nowMs),
    redeemCode: (code, orgId, nowMs) =>
      code.startsWith(creditCodePrefix) ? redeem.immediate(code, orgId, nowMs) : undefined,
  };
}
