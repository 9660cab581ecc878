import { describe, expect, it } from 'vitest';
import { chineseShareAt, marketWeekAt, reportedMarketWeeks, weeklyRequestCounts } from './market-curve.js';

describe('the market curve (MARKET.md weekly tokens by origin)', () => {
  it('answers the reported weeks as reported', () => {
    for (const week of reportedMarketWeeks) expect(marketWeekAt(week.weeksAgo)).toBe(week);
    expect(marketWeekAt(0)).toEqual({ weeksAgo: 0, chineseTokensBillions: 12_960, usTokensBillions: 3_030 });
    expect(marketWeekAt(7)).toEqual({ weeksAgo: 7, chineseTokensBillions: 4_120, usTokensBillions: 2_940 });
    expect(chineseShareAt(0)).toBe(12_960 / (12_960 + 3_030));
  });

  it('keeps the reported week-over-week growth of the last two weeks', () => {
    const growth = (pick: 'chineseTokensBillions' | 'usTokensBillions', weeksAgo: number): string =>
      ((marketWeekAt(weeksAgo)[pick] / marketWeekAt(weeksAgo + 1)[pick] - 1) * 100).toFixed(1);
    expect([growth('chineseTokensBillions', 0), growth('usTokensBillions', 0)]).toEqual(['31.5', '0.8']);
    expect([growth('chineseTokensBillions', 2), growth('usTokensBillions', 2)]).toEqual(['56.9', '7.3']);
  });

  it('interpolates geometrically between reported weeks and extrapolates before them', () => {
    // Weeks 4 and 5 lie between 6 (5 160) and 3 (4 690): a third and two thirds of the way, geometrically.
    expect(marketWeekAt(5).chineseTokensBillions).toBe(5_160 * (4_690 / 5_160) ** (1 / 3));
    expect(marketWeekAt(4).chineseTokensBillions).toBe(5_160 * (4_690 / 5_160) ** (2 / 3));
    // Before Feb 9–15: divided by the average weekly growth of the reported seven weeks.
    expect(marketWeekAt(8).chineseTokensBillions).toBe(4_120 / (12_960 / 4_120) ** (1 / 7));
    expect(marketWeekAt(8).usTokensBillions).toBe(2_940 / (3_030 / 2_940) ** (1 / 7));
  });

  it('scales the weekly requests by the market total, the last week having the flag value', () => {
    expect(weeklyRequestCounts(8, 2_000)).toEqual([883, 983, 986, 991, 999, 1_363, 1_609, 2_000]);
    expect(weeklyRequestCounts(10, 2_000)).toEqual([736, 804, 883, 983, 986, 991, 999, 1_363, 1_609, 2_000]);
    expect(weeklyRequestCounts(1, 7)).toEqual([7]);
  });
});
