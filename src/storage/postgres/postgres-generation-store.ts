import type { Pool, PoolClient } from 'pg';
import { createAppNameBudget } from '../../analytics/app-name-budget.js';
import { settleHoldInTransaction } from '../../ledger/postgres/settle-hold.js';
import type { AsyncPort } from '../async-port.js';
import type { GenerationRecord, GenerationStore } from '../ports.js';
import { insertContentRows } from './postgres-generation-content.js';
import { readGenerationRow } from '../read-generation-row.js';
import { insertGenerationRows } from './postgres-generation-rows.js';
import type { GenerationRow } from './postgres-generation-rows.js';
import { applyToPostgresRollups } from './postgres-rollups.js';
import { withTransaction } from './with-transaction.js';

/**
 * Settles each record's hold in the batch's transaction and returns the records to store, in input order: a settled
 * record's cost is what the ledger actually charged, so record and money never disagree. Settlement is exactly once
 * per hold, so a replayed record gets the first settlement's charge and posts nothing new.
 *
 * Holds are settled in org order (input order within an org): the ledger locks the org's balance row first, so every
 * batch takes org locks in one global order and two nodes' batches wait for each other instead of deadlocking.
 * Settlements of different orgs touch disjoint rows and commute, so the charges are those of SQLite's input order.
 */
async function settleRecords(client: PoolClient, records: readonly GenerationRecord[]): Promise<GenerationRecord[]> {
  const settled = records
    .map((record, index) => ({ record, index }))
    .filter(({ record }) => record.settlement !== undefined)
    .sort((left, right) => compareText(left.record.orgId, right.record.orgId) || left.index - right.index);
  const chargedByIndex = new Map<number, bigint>();
  for (const { record, index } of settled) {
    chargedByIndex.set(index, (await settleHoldInTransaction(client, record.settlement!)).chargedNanos);
  }
  return records.map((record, index) => {
    const chargedNanos = chargedByIndex.get(index);
    return chargedNanos === undefined ? record : { ...record, costNanos: chargedNanos };
  });
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * GenerationStore on PostgreSQL. `insertGenerations` is ONE transaction: the settlements, the records (idempotent by
 * id), their content (orgs that opted in) and the usage rollups commit together or not at all, and a record that
 * breaks a constraint rolls back the whole batch. Only the records that insert newly added reach the content and
 * the rollups, so a replayed record — in the same batch, a later one, or another node's — changes nothing and is not
 * counted twice (see {@link insertGenerationRows} for how concurrent nodes stay exact).
 *
 * Several nodes: every batch takes its row locks in one global order — org balances (settlements, by org), then
 * generation ids (sorted), then rollup buckets (sorted) — so concurrent batches queue rather than deadlock. Should
 * PostgreSQL still abort one (a deadlock or serialization error), the whole batch rolls back and, being idempotent,
 * can simply be written again.
 */
export function createPostgresGenerationStore(
  pool: Pool,
  options: {
    /** Bound on a record's stored `content` (default `limits.promptLogBytesMax`). */
    readonly contentBytesMax?: number;
  } = {},
): AsyncPort<GenerationStore> {
  const admitApp = createAppNameBudget();
  return {
    insertGenerations: (records) =>
      withTransaction(pool, async (client) => {
        const stored = await settleRecords(client, records);
        const inserted = await insertGenerationRows(client, stored);
        await insertContentRows(client, inserted, options.contentBytesMax);
        await applyToPostgresRollups(client, inserted, admitApp);
        return stored;
      }),
    findGeneration: async (id) => {
      const { rows } = await pool.query<GenerationRow>('SELECT * FROM generations WHERE id = $1', [id]);
      return rows[0] === undefined ? undefined : readGenerationRow(rows[0]);
    },
  };
}
