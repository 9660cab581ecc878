import { afterEach, describe, expect, it, vi } from 'vitest';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import { runInLedgerCallScope } from '../ledger-call-scope.js';
import { createAvailabilityGuard, guardPort, isUnavailableError } from './guard-availability.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

afterEach(() => vi.useRealTimers());

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
    vi.useFakeTimers();
    const guard = createAvailabilityGuard({ now: () => 0 });
    const answer = guard.run(() => new Promise<never>(() => undefined)).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(limits.ledgerCallTimeoutMs - 1);
    let isSettled = false;
    void answer.then(() => (isSettled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(isSettled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await answer).toMatchObject({ code: 'ledger_unavailable' });
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
