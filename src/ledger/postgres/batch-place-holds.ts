import type { Pool, PoolClient } from 'pg';
import type { PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { assertPlaceHoldInput } from '../sqlite/place-hold.js';
import { withTransaction } from '../../storage/postgres/with-transaction.js';
import { buildParameters, placeHold, placeHoldSql, readResult } from './place-hold.js';
import type { PlaceHoldRow } from './place-hold.js';

/** Admissions of one org written in one transaction, at most (more wait for the next). */
export const holdBatchCountMax = 64;

interface Waiting {
  readonly input: PlaceHoldInput;
  readonly resolve: (result: PlaceHoldResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for admissions (ADR 2026-11-30-cluster-storage, amendment). Each admission takes its org's balance row
 * lock and, alone, holds it through its commit's WAL flush, so one org's admissions would be serialised at one flush
 * each. Here a node sends one org's admissions that arrive while its previous batch is in flight as one transaction:
 * the org row is locked once, each admission runs the same single statement as {@link placeHold} under its own
 * savepoint, in arrival order, and one COMMIT (one flush) makes them all durable. Nothing changes in what is decided:
 * the statements are the same and run one after another under the same lock. An admission whose statement fails (a
 * lost race on its request id or its key's first hold) is rolled back to its savepoint and then run alone, with
 * {@link placeHold}'s retries. If the transaction fails, nothing of it was written and every admission in it fails.
 */
export function createHoldBatcher(pool: Pool): (input: PlaceHoldInput) => Promise<PlaceHoldResult> {
  const queues = new Map<string, Waiting[]>();

  async function drain(orgId: string): Promise<void> {
    for (let queue = queues.get(orgId); queue !== undefined && queue.length > 0; queue = queues.get(orgId)) {
      const batch = queue.splice(0, holdBatchCountMax);
      await runBatch(pool, batch);
    }
    queues.delete(orgId);
  }

  return (input) =>
    new Promise<PlaceHoldResult>((resolve, reject) => {
      assertPlaceHoldInput(input);
      const queue = queues.get(input.orgId);
      if (queue !== undefined) return void queue.push({ input, resolve, reject });
      queues.set(input.orgId, [{ input, resolve, reject }]);
      void drain(input.orgId);
    });
}

/** One transaction for the batch; admissions it could not decide run alone afterwards. */
async function runBatch(pool: Pool, batch: readonly Waiting[]): Promise<void> {
  // Alone: the single statement in its own commit (one round trip instead of a transaction's five).
  if (batch.length === 1) {
    const [only] = batch as [Waiting];
    return placeHold(pool, only.input).then(only.resolve, only.reject);
  }
  let decided: (PlaceHoldResult | undefined)[];
  try {
    decided = await decideInTransaction(pool, batch);
  } catch (error) {
    for (const waiting of batch) waiting.reject(error);
    return;
  }
  await Promise.all(
    batch.map(async (waiting, index) => {
      try {
        waiting.resolve(decided[index] ?? (await placeHold(pool, waiting.input)));
      } catch (error) {
        waiting.reject(error);
      }
    }),
  );
}

function decideInTransaction(pool: Pool, batch: readonly Waiting[]): Promise<(PlaceHoldResult | undefined)[]> {
  return withTransaction(pool, async (client) => {
    const decided: (PlaceHoldResult | undefined)[] = [];
    for (const waiting of batch) decided.push(await decideOne(client, waiting.input));
    return decided;
  });
}

/** One admission under its savepoint; undefined when it must run alone (a lost race, or a key limit to check first). */
async function decideOne(client: PoolClient, input: PlaceHoldInput): Promise<PlaceHoldResult | undefined> {
  if (input.keyLimit !== undefined && !isUsualLimit(input.keyLimit.limitNanos)) return undefined;
  await client.query('SAVEPOINT hold');
  try {
    const { rows } = await client.query<PlaceHoldRow>(placeHoldSql, buildParameters(input));
    await client.query('RELEASE SAVEPOINT hold');
    return rows[0] === undefined ? undefined : readResult(rows[0], input);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT hold');
    return undefined;
  }
}

/** The range {@link placeHold} checks up front; anything else takes that path and its error. */
function isUsualLimit(limitNanos: bigint): boolean {
  return typeof limitNanos === 'bigint' && limitNanos >= 0n && limitNanos <= 10n ** 18n;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
