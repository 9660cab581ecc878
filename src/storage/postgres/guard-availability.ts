import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import { isLedgerKnownUnavailable, noteLedgerUnavailable } from '../ledger-call-scope.js';
import type { PoolLiveness } from './watch-pool-liveness.js';

/**
 * Whether an error from the `pg` client means "PostgreSQL cannot answer now" (rather than a bad statement): a
 * refused or lost connection, a client-side timeout, a statement cancelled by `statement_timeout`, a server shutting
 * down or starting up, or too many connections. Node's own socket errors have no SQLSTATE. A wait for a connection of
 * the node's full pool is the node's own load ({@link isQueueWaitError}), not PostgreSQL's.
 */
export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error) || isQueueWaitError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return unavailableSqlStates.some((p) => code.startsWith(p));
  // No SQLSTATE: a socket error (ECONNREFUSED, ECONNRESET, ETIMEDOUT…: Node's codes are upper case) or one of the
  // client's own messages. A store's own coded error (an AnalyticsQueryError's `invalid_request`) is none of these.
  if (typeof code === 'string') return /^E[A-Z0-9_]+$/.test(code);
  return unavailableMessages.test(error.message);
}

/** Connection exceptions (08), operator intervention (57P0x: shutdown, cannot connect now), query_canceled, too_many_connections. */
const unavailableSqlStates = ['08', '57P01', '57P02', '57P03', '57014', '53300'];
const unavailableMessages =
  /timeout|timed out|Connection terminated|connection error|ECONNREFUSED|ECONNRESET|Client has encountered a connection error/i;

/** The error a call gets while the shared store cannot answer: 503 `ledger_unavailable`, retry in a second. */
export function createUnavailableError(): GatewayError {
  return new GatewayError({
    code: 'ledger_unavailable',
    message: 'The ledger cannot be reached right now; nothing was charged. Retry shortly.',
    retryAfterSeconds: limits.ledgerUnavailableRetryAfterSeconds,
  });
}

/**
 * The error a call gets when it waited `limits.postgresQueueWaitMsMax` behind the node's own work (its pool's
 * connections all busy, its org's admission batch) while PostgreSQL was answering: 503 `gateway_overloaded`. The
 * node, not the store, is short of capacity, so the breaker does not count it.
 */
export function createOverloadedError(waitedMs: number): GatewayError {
  return new GatewayError({
    code: 'gateway_overloaded',
    message: `This node is overloaded: its ledger call waited ${waitedMs} ms for a PostgreSQL connection; nothing was charged. Retry shortly.`,
    retryAfterSeconds: limits.ledgerUnavailableRetryAfterSeconds,
  });
}

/** `pg-pool`'s answer to a query that waited its `connectionTimeoutMillis` for a connection of a full pool. */
export function isQueueWaitError(error: unknown): boolean {
  return error instanceof Error && error.message === 'timeout exceeded when trying to connect';
}

/** A connection that did not open within `limits.postgresConnectTimeoutMs` (the client's bound, or the pool's). */
export function isConnectTimeoutError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message === 'timeout expired' || error.message === 'Connection terminated due to connection timeout')
  );
}

export interface AvailabilityGuard {
  /**
   * Runs a store call: an unavailable store (refused, or no answer for `limits.ledgerCallTimeoutMs`) becomes 503
   * `ledger_unavailable`; a call held longer than `limits.postgresQueueWaitMsMax` by the node's own queue, 503
   * `gateway_overloaded`.
   */
  run<T>(call: () => Promise<T>): Promise<T>;
  /** False while the breaker is open (the last calls found PostgreSQL unreachable). */
  isAvailable(): boolean;
}

/** Without a pool to watch, every millisecond of a call counts as PostgreSQL not answering. */
const alwaysStalled: PoolLiveness = { stalledForMs: () => Number.POSITIVE_INFINITY };

/**
 * A breaker in front of PostgreSQL: after `limits.ledgerBreakerFailuresMax` unavailable answers in a row, calls fail
 * at once for `limits.ledgerBreakerOpenMs` (then one call probes), so a stopped or frozen database costs a request
 * nothing but the 503, never the client's whole timeout. Within one request (`runInLedgerCallScope`), a call made
 * within `limits.ledgerBreakerOpenMs` of one that found the store unavailable fails at once: a paid call waits for the
 * store at most `limits.ledgerCallTimeoutMs` in all, not once per store call it makes. A call that times out here may
 * still complete on the server later (a frozen server that thaws): an admission's hold placed that way is expired by
 * the reconciler (TTL + grace).
 *
 * "No answer" is PostgreSQL's silence, not the call's age (`liveness`, src/storage/postgres/watch-pool-liveness.ts): a
 * call past `limits.ledgerCallTimeoutMs` gives up as unavailable only once the pool has also gone that long without
 * hearing from the server while it waited on it. A call queued for a connection of a busy node while statements
 * complete keeps waiting, up to `limits.postgresQueueWaitMsMax`; a connection that opens too slowly while the server
 * answers the others is the node's load too. Neither counts toward the breaker.
 */
export function createAvailabilityGuard(
  options: { readonly now?: () => number; readonly liveness?: PoolLiveness } = {},
): AvailabilityGuard {
  const now = options.now ?? Date.now;
  const liveness = options.liveness ?? alwaysStalled;
  let failuresInRow = 0;
  let openUntilMs = Number.NEGATIVE_INFINITY;
  const noteFailure = (): void => {
    failuresInRow += 1;
    if (failuresInRow >= limits.ledgerBreakerFailuresMax) openUntilMs = now() + limits.ledgerBreakerOpenMs;
  };
  const isAvailable = (): boolean => now() >= openUntilMs;
  /** Asked at each deadline of a call started at `startedAtMs`: give up on it (and why), or look again later. */
  const judge = (startedAtMs: number): Judgement => {
    const nowMs = now();
    const waitedMs = nowMs - startedAtMs;
    const stalledMs = liveness.stalledForMs(nowMs);
    const timeoutMs = limits.ledgerCallTimeoutMs;
    if (waitedMs >= timeoutMs && stalledMs >= timeoutMs)
      return { error: new TimeoutError(`no answer from PostgreSQL in ${Math.min(stalledMs, waitedMs)} ms`) };
    if (waitedMs >= limits.postgresQueueWaitMsMax) return { error: createOverloadedError(waitedMs) };
    const untilTimeoutMs = Math.max(timeoutMs - waitedMs, timeoutMs - stalledMs);
    return { recheckInMs: Math.max(1, Math.min(untilTimeoutMs, limits.postgresQueueWaitMsMax - waitedMs)) };
  };
  /**
   * What a failed call answers: the node's own load (its pool's queue bound; a connection slow to open while
   * PostgreSQL answers the others) is 503 `gateway_overloaded` and not counted; PostgreSQL unavailable is counted.
   */
  const judgeFailure = (error: unknown, startedAtMs: number): unknown => {
    if (error instanceof GatewayError) return error;
    const nowMs = now();
    const isOwnLoad =
      isQueueWaitError(error) ||
      (isConnectTimeoutError(error) && liveness.stalledForMs(nowMs) < limits.ledgerCallTimeoutMs);
    if (isOwnLoad) return createOverloadedError(nowMs - startedAtMs);
    if (!(error instanceof TimeoutError) && !isUnavailableError(error)) return error;
    noteFailure();
    noteLedgerUnavailable(nowMs);
    return createUnavailableError();
  };
  return {
    isAvailable,
    async run(call) {
      const startedAtMs = now();
      // Within one request the store is waited for once: a call after one that found it unavailable fails at once.
      if (!isAvailable() || isLedgerKnownUnavailable(startedAtMs)) throw createUnavailableError();
      try {
        const result = await awaitJudged(call(), () => judge(startedAtMs));
        failuresInRow = 0;
        return result;
      } catch (error) {
        throw judgeFailure(error, startedAtMs);
      }
    },
  };
}

class TimeoutError extends Error {}

type Judgement = { readonly error: Error } | { readonly recheckInMs: number };

/**
 * Settles as `promise` does, unless `judge`, asked first after its `recheckInMs` and then as often as it says,
 * gives up with an error first. On a starved event loop a deadline's timer runs late, in the same loop turn as the
 * answers that arrived meanwhile, and timers run before I/O callbacks: so the judgement itself waits for the turn's
 * check phase (`setImmediate`), after those answers were read. An answer that was in time is never judged missing.
 */
function awaitJudged<T>(promise: Promise<T>, judge: () => Judgement): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const verdict = new Promise<never>((_, reject) => {
    const decide = (judgement: Judgement): void => {
      if ('error' in judgement) return reject(judgement.error);
      timer = setTimeout(() => {
        immediate = setImmediate(() => decide(judge()));
      }, judgement.recheckInMs);
    };
    decide(judge());
  });
  // The late answer (or error) of a call given up on is ignored.
  promise.catch(() => undefined);
  return Promise.race([promise, verdict]).finally(() => {
    clearTimeout(timer);
    clearImmediate(immediate);
  });
}

/** Wraps every method of a port so that each call goes through the guard. */
export function guardPort<T extends object>(port: T, guard: AvailabilityGuard): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(port)) {
    guarded[name] =
      typeof method === 'function'
        ? (...args: unknown[]) => guard.run(() => Promise.resolve((method as (...a: unknown[]) => unknown)(...args)))
        : method;
  }
  return guarded as T;
}
