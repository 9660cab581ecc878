import { describe, expect, it } from 'vitest';
import { createRemoteRests } from './create-remote-rests.js';

describe('createRemoteRests', () => {
  it('answers the latest running rest of an endpoint across nodes', () => {
    const rests = createRemoteRests({ countMax: 10 });
    rests.set('a/m', 'node-1', 5_000, 0);
    rests.set('a/m', 'node-2', 9_000, 0);
    expect(rests.untilMs('a/m', 0)).toBe(9_000);
    expect(rests.untilMs('a/m', 9_000)).toBeUndefined();
    expect(rests.untilMs('b/m', 0)).toBeUndefined();
    // A node's newer announcement replaces its older one.
    rests.set('a/m', 'node-2', 3_000, 0);
    expect(rests.untilMs('a/m', 0)).toBe(5_000);
    expect(rests.count()).toBe(2);
  });

  it('removes an entry set to a time already past', () => {
    const rests = createRemoteRests({ countMax: 10 });
    rests.set('a/m', 'node-1', 5_000, 0);
    rests.set('a/m', 'node-1', 4_000, 4_000);
    expect(rests.count()).toBe(0);
    expect(rests.untilMs('a/m', 0)).toBeUndefined();
  });

  it('when full, sweeps expired entries first, then drops the oldest endpoint', () => {
    const rests = createRemoteRests({ countMax: 3 });
    rests.set('old/m', 'node-1', 1_000, 0);
    rests.set('mid/m', 'node-1', 50_000, 0);
    rests.set('new/m', 'node-1', 50_000, 0);
    rests.set('fourth/m', 'node-1', 50_000, 2_000);
    expect(rests.count()).toBe(3);
    expect(['mid/m', 'new/m', 'fourth/m'].map((endpoint) => rests.untilMs(endpoint, 2_000))).toEqual([
      50_000, 50_000, 50_000,
    ]);
    rests.set('fifth/m', 'node-1', 50_000, 2_000);
    expect(rests.count()).toBe(3);
    expect(rests.untilMs('mid/m', 2_000)).toBeUndefined();
    expect(rests.untilMs('fifth/m', 2_000)).toBe(50_000);
  });

  it('stays at countMax however many distinct entries arrive', () => {
    const countMax = 10_000;
    const rests = createRemoteRests({ countMax });
    for (let index = 0; index < countMax + 500; index += 1) rests.set(`vendor/model-${index}`, 'node-1', 60_000, 0);
    expect(rests.count()).toBe(countMax);
    expect(rests.untilMs('vendor/model-499', 0)).toBeUndefined();
    expect(rests.untilMs('vendor/model-500', 0)).toBe(60_000);
  });
});
