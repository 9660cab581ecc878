import { describe, expect, it } from 'vitest';
import { createFakePool } from './pool-liveness-test-support.js';
import { watchPoolLiveness } from './watch-pool-liveness.js';

describe('watchPoolLiveness', () => {
  it('counts the silence of PostgreSQL only while a connection is checked out, from its last answer', () => {
    let nowMs = 0;
    const fake = createFakePool();
    const liveness = watchPoolLiveness(fake.pool, () => nowMs);
    const connection = fake.open();
    fake.open();
    nowMs = 5_000;
    // Nothing asked of the server: no silence, however long ago it last answered.
    expect(liveness.stalledForMs(nowMs)).toBe(0);
    fake.checkOut();
    nowMs = 5_700;
    expect(liveness.stalledForMs(nowMs)).toBe(700);
    // A second connection checked out does not start the clock again: the first is still unanswered.
    fake.checkOut();
    nowMs = 6_000;
    expect(liveness.stalledForMs(nowMs)).toBe(1_000);
    // A statement completed on any connection is an answer.
    connection.emit('readyForQuery');
    nowMs = 6_250;
    expect(liveness.stalledForMs(nowMs)).toBe(250);
    // So is a connection opened.
    fake.open();
    expect(liveness.stalledForMs(nowMs)).toBe(0);
    nowMs = 9_000;
    expect(liveness.stalledForMs(nowMs)).toBe(2_750);
    fake.giveBack();
    expect(liveness.stalledForMs(nowMs)).toBe(2_750);
    fake.giveBack();
    expect(liveness.stalledForMs(nowMs)).toBe(0);
  });
});
