import { describe, expect, it } from 'vitest';
import { createAppNameBudget } from './app-name-budget.js';

const day = 86_400_000;

describe('createAppNameBudget', () => {
  it('keeps the first names of an org and day, each as often as it comes, and always admits unattributed usage', () => {
    const admit = createAppNameBudget({ namesMax: 2, orgDaysMax: 8 });
    expect(['a', 'b', 'c', 'a', 'b', '', 'c'].map((app) => admit('org', app, 0))).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect([admit('other', 'c', 0), admit('org', 'c', day)]).toEqual([true, true]);
  });

  it('forgets the oldest org-day past its bound, and only then admits its names again', () => {
    const admit = createAppNameBudget({ namesMax: 1, orgDaysMax: 2 });
    expect([admit('org', 'a', 0), admit('org', 'b', 0)]).toEqual([true, false]);
    expect([admit('org', 'a', day), admit('org', 'b', 0)]).toEqual([true, false]);
    admit('org', 'a', 2 * day);
    expect(admit('org', 'b', 0)).toBe(true);
  });
});
