import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { codeGrantIdPrefix } from '../../ledger/index.js';
import { grantCreditInTransaction } from '../../ledger/postgres/grant-credit.js';
import type { AsyncPort } from '../async-port.js';
import type { CreditCodeStore } from '../ports.js';
import { creditCodePrefix } from '../sqlite/sqlite-credit-code-store.js';
import { withTransaction } from './with-transaction.js';

function digestCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * Credit codes on PostgreSQL, in the ledger's database. Codes are `mer-cc-` + 128 random bits, stored only as
 * SHA-256 digests. Redemption is one transaction: the code's row is claimed with a conditional UPDATE (`WHERE
 * redeemed_by_org IS NULL`), then its amount is granted with the digest as the grant id, and both commit together.
 * Several nodes redeeming one code at once queue on the row lock; the first to commit claims it, and every other
 * UPDATE re-checks the committed row, finds it redeemed and changes nothing — a code pays out exactly once.
 */
export function createPostgresCreditCodeStore(pool: Pool): AsyncPort<CreditCodeStore> {
  return {
    createCodes: async (amount, count, nowMs) => {
      const codes = Array.from({ length: count }, () => creditCodePrefix + randomBytes(16).toString('base64url'));
      await pool.query(
        `INSERT INTO credit_codes (digest, amount, created_at_ms)
         SELECT digest, $2::bigint, $3::bigint FROM unnest($1::text[]) AS digest`,
        [codes.map(digestCode), amount, nowMs],
      );
      return codes;
    },
    redeemCode: async (code, orgId, nowMs) => {
      if (!code.startsWith(creditCodePrefix)) return undefined;
      const digest = digestCode(code);
      return withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ amount: bigint }>(
          `UPDATE credit_codes SET redeemed_by_org = $1, redeemed_at_ms = $2
           WHERE digest = $3 AND redeemed_by_org IS NULL RETURNING amount`,
          [orgId, nowMs, digest],
        );
        const claimed = rows[0];
        if (claimed === undefined) return undefined;
        await grantCreditInTransaction(client, {
          grantId: `${codeGrantIdPrefix}${digest}`,
          orgId,
          amount: claimed.amount,
          nowMs,
        });
        return claimed.amount;
      });
    },
  };
}
