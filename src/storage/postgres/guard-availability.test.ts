import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import { runInLedgerCallScope } from '../ledger-call-scope.js';
import { createAvailabilityGuard, guardPort, isUnavailableError } from './guard-availability.js';
import { createFakePool } from './pool-liveness-test-support.js';
import { watchPoolLiveness } from './watch-pool-liveness.js';
import type { PoolLiveness } from './watch-pool-liveness.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

afterEach(() => vi.useRealTimers());

/**
 * Fake timers and clock; `setImmediate` stays real: the guard judges a deadline in the check phase of the loop turn
 * its timer ran in, and an immediate is no later point in fake time.
 */
function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

/** `answer` (a guarded call's outcome) is still pending `afterMs` - 1 ms from now, and 503 `ledger_unavailable` at `afterMs`. */
async function expectUnavailableAfter(answer: Promise<unknown>, afterMs: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(afterMs - 1);
  let isSettled = false;
  void answer.then(() => (isSettled = true));
  await vi.advanceTimersByTimeAsync(0);
  expect(isSettled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);
  expect(await answer).toMatchObject({ code: 'ledger_unavailable' });
}

describe('isUnavailableError', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    ['a reset socket', withCode('read ECONNRESET', 'ECONNRESET'), true],
    ['a lost connection (08006)', withCode('connection failure', '08006'), true],
    ['a server shutting down (57P01)', withCode('terminating connection', '57P01'), true],
    ['a statement timeout (57014)', withCode('canceling statement due to statement timeout', '57014'), true],
    ['too many connections (53300)', withCode('too many clients', '53300'), true],
    ["the client's query timeout", new Error('Query read timeout'), true],
    ['a terminated connection', new Error('Connection terminated unexpectedly'), true],
    ['a unique violation (23505)', withCode('duplicate key value', '23505'), false],
    ['a syntax error (42601)', withCode('syntax error at or near', '42601'), false],
    ['a plain bug', new TypeError('x is undefined'), false],
    // A store's own refusal: an activity range over 400 days is 400, not PostgreSQL unavailable (and no breaker count).
    ['a coded refusal of the store', new GatewayError({ code: 'invalid_request', message: 'range too long' }), false],
    ['not an error', 'ECONNREFUSED', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isUnavailableError(error)).toBe(expected);
  });
});

describe('createAvailabilityGuard', () => {
  it('turns an unavailable answer into 503 ledger_unavailable and passes any other error through unchanged', async () => {
    const guard = createAvailabilityGuard({ now: () => 0 });
    const refused = await guard
      .run(() => Promise.reject(withCode('connect ECONNREFUSED', 'ECONNREFUSED')))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatewayError);
    expect([(refused as GatewayError).code, (refused as GatewayError).retryAfterSeconds]).toEqual([
      'ledger_unavailable',
      limits.ledgerUnavailableRetryAfterSeconds,
    ]);
    const bug = withCode('duplicate key value', '23505');
    await expect(guard.run(() => Promise.reject(bug))).rejects.toBe(bug);
    await expect(guard.run(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it("passes a store's own coded refusal through unchanged, and never counts it toward the breaker", async () => {
    const guard = createAvailabilityGuard({ now: () => 0 });
    const refusal = new GatewayError({ code: 'invalid_request', message: 'range longer than 400 days' });
    for (let index = 0; index < limits.ledgerBreakerFailuresMax; index += 1) {
      await expect(guard.run(() => Promise.reject(refusal))).rejects.toBe(refusal);
    }
    expect(guard.isAvailable()).toBe(true);
  });

  it('opens after ledgerBreakerFailuresMax failures in a row: calls fail without running, then one probes', async () => {
    let nowMs = 0;
    const guard = createAvailabilityGuard({ now: () => nowMs });
    const down = vi.fn(() => Promise.reject(withCode('connect ECONNREFUSED', 'ECONNREFUSED')));
    for (let index = 0; index < limits.ledgerBreakerFailuresMax; index += 1) {
      await expect(guard.run(down)).rejects.toMatchObject({ code: 'ledger_unavailable' });
    }
    expect(guard.isAvailable()).toBe(false);
    const up = vi.fn(() => Promise.resolve('ok'));
    await expect(guard.run(up)).rejects.toMatchObject({ code: 'ledger_unavailable' });
    expect([down.mock.calls.length, up.mock.calls.length]).toEqual([limits.ledgerBreakerFailuresMax, 0]);
    nowMs = limits.ledgerBreakerOpenMs;
    expect(guard.isAvailable()).toBe(true);
    await expect(guard.run(up)).resolves.toBe('ok');
    // A success resets the count: one more failure does not open it again.
    await expect(guard.run(down)).rejects.toMatchObject({ code: 'ledger_unavailable' });
    expect(guard.isAvailable()).toBe(true);
  });

  it('gives up on a call not answered within ledgerCallTimeoutMs', async () => {
    useFakeClock();
    const guard = createAvailabilityGuard();
    const answer = guard.run(() => new Promise<never>(() => undefined)).catch((error: unknown) => error);
    await expectUnavailableAfter(answer, limits.ledgerCallTimeoutMs);
  });

  it('within one request, a call made soon after one that found the store unavailable fails without running', async () => {
    let nowMs = 0;
    const guard = createAvailabilityGuard({ now: () => nowMs });
    const down = vi.fn(() => Promise.reject(withCode('connect ECONNREFUSED', 'ECONNREFUSED')));
    const up = vi.fn(() => Promise.resolve('ok'));
    await runInLedgerCallScope(async () => {
      await expect(guard.run(down)).rejects.toMatchObject({ code: 'ledger_unavailable' });
      // The same request's next store call (its hold after its key): no second wait.
      await expect(guard.run(up)).rejects.toMatchObject({ code: 'ledger_unavailable' });
      expect(up).not.toHaveBeenCalled();
      // Another request, and the node's own timers (no request), still try: the breaker is not open.
      await expect(runInLedgerCallScope(() => guard.run(up))).resolves.toBe('ok');
      nowMs = limits.ledgerBreakerOpenMs - 1;
      await expect(guard.run(up)).rejects.toMatchObject({ code: 'ledger_unavailable' });
      // Later calls of a long request (a stream's last writes) try the store again.
      nowMs = limits.ledgerBreakerOpenMs;
      await expect(guard.run(up)).resolves.toBe('ok');
    });
    await expect(guard.run(up)).resolves.toBe('ok');
    expect(up).toHaveBeenCalledTimes(3);
  });

  it('guardPort routes every method of a port through the guard', async () => {
    const guard = createAvailabilityGuard({ now: () => 0 });
    const port = guardPort(
      {
        find: (id: string) => Promise.resolve(`found ${id}`),
        fail: () => Promise.reject(withCode('read ECONNRESET', 'ECONNRESET')),
      },
      guard,
    );
    await expect(port.find('a')).resolves.toBe('found a');
    await expect(port.fail()).rejects.toMatchObject({ code: 'ledger_unavailable' });
  });
});

/**
 * A pool of `postgresConnectionsMax` connections, all checked out (as on a node with more calls than connections),
 * watched by the guard's liveness; `answerEveryMs` makes PostgreSQL complete a statement on one of them that often,
 * undefined keeps it silent (frozen). Fake timers and clock must be installed first.
 */
function createBusyPool(answerEveryMs: number | undefined): PoolLiveness {
  const fake = createFakePool();
  const liveness = watchPoolLiveness(fake.pool);
  const connections = Array.from({ length: limits.postgresConnectionsMax }, () => {
    const connection = fake.open();
    fake.checkOut();
    return connection;
  });
  if (answerEveryMs !== undefined) {
    let next = 0;
    setInterval(() => connections[next++ % connections.length]!.emit('readyForQuery'), answerEveryMs);
  }
  return liveness;
}

/** A thread that posts 'answer' the given number of milliseconds after it is asked. */
const answeringThread = `const { parentPort } = require('node:worker_threads');
parentPort.once('message', (afterMs) => setTimeout(() => parentPort.postMessage('answer'), afterMs));`;

/** Keeps the event loop busy for `durationMs`, as a node starved of CPU is. */
function blockLoop(durationMs: number): void {
  const untilMs = Date.now() + durationMs;
  let spins = 0;
  while (Date.now() < untilMs) spins += 1;
  expect(spins).toBeGreaterThan(0);
}

/** A call PostgreSQL answers with `value` after `afterMs` (its wait in the node's queue included). */
function answerAfter<T>(afterMs: number, value: T): () => Promise<T> {
  return () => new Promise<T>((resolve) => setTimeout(() => resolve(value), afterMs));
}

describe('createAvailabilityGuard over a watched pool: a queue wait is not PostgreSQL unavailable', () => {
  const settle = (promise: Promise<unknown>): Promise<unknown> => promise.catch((error: unknown) => error);

  it('a call held past ledgerCallTimeoutMs by busy connections, while PostgreSQL answers, waits and succeeds', async () => {
    useFakeClock();
    const guard = createAvailabilityGuard({ liveness: createBusyPool(300) });
    const waitMs = limits.ledgerCallTimeoutMs * 2 + 500;
    const answers = [1, 2, 3].map((value) => settle(guard.run(answerAfter(waitMs, value))));
    await vi.advanceTimersByTimeAsync(waitMs);
    expect(await Promise.all(answers)).toEqual([1, 2, 3]);
    expect(guard.isAvailable()).toBe(true);
  });

  it('a hung statement (PostgreSQL silent) still gives 503 ledger_unavailable after ledgerCallTimeoutMs; three open the breaker', async () => {
    useFakeClock();
    const guard = createAvailabilityGuard({ liveness: createBusyPool(undefined) });
    const hung = () => new Promise<never>(() => undefined);
    const answers = Array.from({ length: limits.ledgerBreakerFailuresMax }, () => settle(guard.run(hung)));
    await vi.advanceTimersByTimeAsync(limits.ledgerCallTimeoutMs - 1);
    expect(guard.isAvailable()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect((await Promise.all(answers)).map((error) => (error as GatewayError).code)).toEqual(
      Array(limits.ledgerBreakerFailuresMax).fill('ledger_unavailable'),
    );
    expect(guard.isAvailable()).toBe(false);
  });

  it('PostgreSQL falling silent while a call waits: given up once the silence, not the wait, reaches ledgerCallTimeoutMs', async () => {
    useFakeClock();
    let isFrozen = false;
    const fake = createFakePool();
    const guard = createAvailabilityGuard({ liveness: watchPoolLiveness(fake.pool) });
    const connection = fake.open();
    fake.checkOut();
    setInterval(() => (isFrozen ? undefined : connection.emit('readyForQuery')), 100);
    const answer = settle(guard.run(() => new Promise<never>(() => undefined)));
    await vi.advanceTimersByTimeAsync(limits.ledgerCallTimeoutMs + 1_000);
    isFrozen = true;
    await expectUnavailableAfter(answer, limits.ledgerCallTimeoutMs);
  });

  it('a call held by the queue for postgresQueueWaitMsMax gets 503 gateway_overloaded; the breaker is untouched', async () => {
    useFakeClock();
    const guard = createAvailabilityGuard({ liveness: createBusyPool(300) });
    const queued = () => new Promise<never>(() => undefined);
    const answers = Array.from({ length: limits.ledgerBreakerFailuresMax }, () => settle(guard.run(queued)));
    await vi.advanceTimersByTimeAsync(limits.postgresQueueWaitMsMax);
    const errors = (await Promise.all(answers)) as GatewayError[];
    expect(errors.map((error) => [error.code, error.retryAfterSeconds])).toEqual(
      Array(limits.ledgerBreakerFailuresMax).fill(['gateway_overloaded', 1]),
    );
    expect(guard.isAvailable()).toBe(true);
    // The pool's own bound on a wait for a connection is answered the same way, and not counted either.
    const poolQueueWait = new Error('timeout exceeded when trying to connect');
    for (let index = 0; index < limits.ledgerBreakerFailuresMax; index += 1) {
      await expect(guard.run(() => Promise.reject(poolQueueWait))).rejects.toMatchObject({
        code: 'gateway_overloaded',
      });
    }
    expect(guard.isAvailable()).toBe(true);
  });

  it('a connection slow to open while PostgreSQL answers the others is the node overloaded; with it silent, unavailable', async () => {
    useFakeClock();
    const slowToOpen = () =>
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('timeout expired')), limits.postgresConnectTimeoutMs),
      );
    const busy = createAvailabilityGuard({ liveness: createBusyPool(300) });
    const overloaded = Array.from({ length: limits.ledgerBreakerFailuresMax }, () => settle(busy.run(slowToOpen)));
    await vi.advanceTimersByTimeAsync(limits.postgresConnectTimeoutMs);
    expect((await Promise.all(overloaded)).map((error) => (error as GatewayError).code)).toEqual(
      Array(limits.ledgerBreakerFailuresMax).fill('gateway_overloaded'),
    );
    expect(busy.isAvailable()).toBe(true);
    const silent = createAvailabilityGuard({ liveness: createBusyPool(undefined) });
    const unavailable = Array.from({ length: limits.ledgerBreakerFailuresMax }, () => settle(silent.run(slowToOpen)));
    await vi.advanceTimersByTimeAsync(limits.postgresConnectTimeoutMs);
    expect((await Promise.all(unavailable)).map((error) => (error as GatewayError).code)).toEqual(
      Array(limits.ledgerBreakerFailuresMax).fill('ledger_unavailable'),
    );
    expect(silent.isAvailable()).toBe(false);
  });

  // Real time (about ledgerCallTimeoutMs + 1.5 s): a loop blocked past the deadline, the answer arriving meanwhile
  // from another thread. When the loop turns again, the deadline's timer runs before the answer's I/O callback.
  it('on a starved loop, an answer that arrived before its deadline ran (late) still counts', async () => {
    const guard = createAvailabilityGuard();
    const postgres = new Worker(answeringThread, { eval: true });
    try {
      await new Promise((resolve) => postgres.once('online', resolve));
      const timeoutMs = limits.ledgerCallTimeoutMs;
      const answer = settle(guard.run(() => new Promise((resolve) => postgres.once('message', resolve))));
      postgres.postMessage(timeoutMs - 500);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Busy in an I/O-phase callback (a burst of requests to handle), not in a timer: the loop turn after it starts
      // with its timers, the expired deadline among them.
      await new Promise<void>((resolve) => setImmediate(() => resolve(blockLoop(timeoutMs + 1_000))));
      expect(await answer).toBe('answer');
    } finally {
      await postgres.terminate();
    }
  }, 15_000);
});
