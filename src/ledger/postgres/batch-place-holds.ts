import { hash } from 'node:crypto';
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { PlaceHoldInput, PlaceHoldResult } from '../ledger-types.js';
import { assertPlaceHoldInput } from '../sqlite/place-hold.js';
import { isBehindPooler, readLocalSettings } from '../../storage/postgres/open-postgres-pool.js';
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
 * the org row is locked once, each admission runs the same single statement as {@link placeHold}, in arrival order,
 * and one COMMIT (one flush) makes them all durable. Nothing changes in what is decided: the statements are the same
 * and run one after another under the same lock.
 *
 * The batch holds the org's lock for as long as its round trips take, so it makes one: the whole transaction is one
 * query, of the statement prepared once per connection (or its text, behind a pooler that keeps no prepared
 * statement; ADR 2026-11-30-hot-path-costs). Only a request id that another node admitted between a statement's
 * snapshot and its insert makes a statement fail (unique violation), which aborts the transaction; nothing of it was
 * written, and the batch runs again with each admission under its own savepoint (three round trips each). An
 * admission that fails there (the same race again) is rolled back to its savepoint and then run alone, with
 * {@link placeHold}'s retries. If a transaction fails otherwise, nothing of it was written and every admission in it
 * fails.
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

/** The batch in one transaction sent as one query; the old way (savepoints, a round trip each) if that failed. */
async function decideInTransaction(pool: Pool, batch: readonly Waiting[]): Promise<(PlaceHoldResult | undefined)[]> {
  try {
    return await decideInOneRoundTrip(pool, batch);
  } catch (error) {
    // A request id that raced; or a lost prepared statement that sendBatch could not recover from.
    if (!isUniqueViolation(error) && !isUnknownPreparedStatement(error)) throw error;
    return withTransaction(pool, async (client) => {
      const decided: (PlaceHoldResult | undefined)[] = [];
      for (const { input } of batch)
        decided.push(isUsual(input) ? await decideUnderSavepoint(client, input) : undefined);
      return decided;
    });
  }
}

const preparedTypes = 'text, text, text, bigint, bigint, bigint, bigint, bigint, bigint, bigint';
/**
 * The name of {@link placeHoldSql} prepared on a connection, and the connections it is prepared on. The name carries
 * a digest of the statement: behind a pooler, a server connection may already have it from another client (or from a
 * node still running an older build), and a name that is taken then means the very same statement.
 */
const preparedName = `meridian_place_hold_${hash('sha256', `${preparedTypes}\n${placeHoldSql}`, 'hex').slice(0, 12)}`;
const preparedOn = new WeakSet<PoolClient>();
const prepareSql = `PREPARE ${preparedName} (${preparedTypes}) AS ${placeHoldSql}`;
/**
 * Pools found out to keep no prepared statement from one query to the next (a pooler in transaction mode the start-up
 * probe could not tell from PostgreSQL); a pool opened behind a known pooler never prepares ({@link isBehindPooler}).
 */
const unpreparedPools = new WeakSet<Pool>();

/**
 * `BEGIN; EXECUTE meridian_place_hold(…); …; COMMIT` as one simple query: one round trip for the whole batch, so the
 * org's lock is held only as long as PostgreSQL takes to run the statements, not for a round trip through a busy
 * event loop per admission. The statement is prepared once per connection: planning it cost more than running it
 * (0.39 against 0.26 ms here), and a batch of 64 took 58–63 ms with the statement text inlined against 10–17 ms
 * prepared. The simple query protocol takes no parameters, so each EXECUTE carries its values as literals (see
 * {@link toSqlLiteral}). A failed statement leaves the transaction aborted (the statements after it do not run): it
 * is rolled back and the error thrown.
 */
async function decideInOneRoundTrip(pool: Pool, batch: readonly Waiting[]): Promise<(PlaceHoldResult | undefined)[]> {
  const client = await pool.connect();
  const broken = { isBroken: false };
  try {
    const inputs = batch.filter(({ input }) => isUsual(input)).map(({ input }) => input);
    const results = await sendBatch(pool, client, inputs, broken);
    // The usual admissions' rows, in batch order.
    let next = 0;
    return batch.map(({ input }) => {
      if (!isUsual(input)) return undefined;
      const row = results[next++]?.rows[0] as PlaceHoldRow | undefined;
      return row === undefined ? undefined : readResult(row, input);
    });
  } finally {
    client.release(broken.isBroken);
  }
}

/**
 * Sends the batch's transaction, rolling back and throwing if it fails. A connection that lost the prepared statement
 * (a reset) prepares it again, once. Lost again right after that, the pool's connections do not keep it (a pooler in
 * transaction mode hands each query to any server connection): this batch and every later one on the pool carry the
 * statement's text instead, still one round trip each.
 *
 * @returns the results of the admissions' statements (those of BEGIN and of the pool's local settings left out).
 */
async function sendBatch(
  pool: Pool,
  client: PoolClient,
  inputs: readonly PlaceHoldInput[],
  broken: { isBroken: boolean },
): Promise<QueryResult[]> {
  for (let attempt = 1; ; attempt += 1) {
    const isInlined = isBehindPooler(pool) || unpreparedPools.has(pool);
    if (!isInlined && !preparedOn.has(client)) {
      await prepare(client);
      preparedOn.add(client);
    }
    const statements = inputs.map((input) =>
      isInlined ? inlineStatement(client, input) : executeStatement(client, input),
    );
    const opening = ['BEGIN', ...readLocalSettings(pool)];
    try {
      const results = (await client.query(
        [...opening, ...statements, 'COMMIT'].join(';\n'),
      )) as unknown as QueryResult[];
      return results.slice(opening.length);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken.isBroken = true;
      });
      if (!isUnknownPreparedStatement(error) || isInlined || broken.isBroken) throw error;
      preparedOn.delete(client);
      if (attempt >= 2) unpreparedPools.add(pool);
    }
  }
}

/** Prepares the statement; a server connection that has it already (a pooler's, prepared by another client) is fine. */
async function prepare(client: PoolClient): Promise<void> {
  try {
    await client.query(prepareSql);
  } catch (error) {
    if (!hasCode(error, '42P05')) throw error;
  }
}

/** {@link placeHoldSql} with each `$n` replaced by the n-th parameter as a literal. */
function inlineStatement(client: PoolClient, input: PlaceHoldInput): string {
  const parameters = buildParameters(input);
  return placeHoldSql.replace(/\$(\d+)/g, (_, position: string) =>
    toSqlLiteral(client, parameters[Number(position) - 1]),
  );
}

/** One admission's `EXECUTE`, its parameters as literals. */
function executeStatement(client: PoolClient, input: PlaceHoldInput): string {
  return `EXECUTE ${preparedName}(${buildParameters(input)
    .map((value) => toSqlLiteral(client, value))
    .join(', ')})`;
}

/** Ids are quoted by the driver's `escapeLiteral`; amounts and times are integers; nothing else is accepted. */
function toSqlLiteral(client: PoolClient, value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string') return client.escapeLiteral(value);
  throw new TypeError(`an admission parameter cannot be inlined: ${typeof value}`);
}

/** An unusual key limit takes placeHold's path alone, and its error. */
function isUsual(input: PlaceHoldInput): boolean {
  return input.keyLimit === undefined || isUsualLimit(input.keyLimit.limitNanos);
}

/** One admission under its savepoint; undefined when it must run alone (a lost race). */
async function decideUnderSavepoint(client: PoolClient, input: PlaceHoldInput): Promise<PlaceHoldResult | undefined> {
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
  return hasCode(error, '23505');
}

/** `invalid_sql_statement_name`: the connection does not know the prepared statement (it was reset). */
function isUnknownPreparedStatement(error: unknown): boolean {
  return hasCode(error, '26000');
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
