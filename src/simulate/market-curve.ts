/**
 * Weekly tokens by model origin on OpenRouter, as reported in 2026 (`../shared/MARKET.md`), in billions. The
 * simulated window's last week plays the last reported week (Mar 30–Apr 5, `weeksAgo` 0); earlier weeks follow the
 * reported figures back to Feb 9–15 (`weeksAgo` 7), and the average weekly growth of those seven weeks beyond.
 * Weeks between reported ones are interpolated geometrically. Reported figures, not Meridian's measurements.
 */
export interface MarketWeek {
  readonly weeksAgo: number;
  readonly chineseTokensBillions: number;
  readonly usTokensBillions: number;
}

export const reportedMarketWeeks: readonly MarketWeek[] = [
  // Mar 30–Apr 5: CN 12.96 T (+31.48 % w/w), US 3.03 T (+0.76 % w/w); the top six all Chinese.
  { weeksAgo: 0, chineseTokensBillions: 12_960, usTokensBillions: 3_030 },
  // Mar 23–29: derived from the next week's w/w growth (12 960 / 1.3148, 3 030 / 1.0076).
  { weeksAgo: 1, chineseTokensBillions: 9_857, usTokensBillions: 3_007 },
  // Mar 16–22: CN 7.359 T (+56.9 % w/w), US 3.536 T (+7.35 % w/w).
  { weeksAgo: 2, chineseTokensBillions: 7_359, usTokensBillions: 3_536 },
  // Mar 9–15: derived from the next week's w/w growth (7 359 / 1.569, 3 536 / 1.0735).
  { weeksAgo: 3, chineseTokensBillions: 4_690, usTokensBillions: 3_294 },
  // Feb 16–22: CN 5.16 T, US 2.7 T.
  { weeksAgo: 6, chineseTokensBillions: 5_160, usTokensBillions: 2_700 },
  // Feb 9–15: CN 4.12 T, US 2.94 T, the first week Chinese models passed US models.
  { weeksAgo: 7, chineseTokensBillions: 4_120, usTokensBillions: 2_940 },
];

const oldest = reportedMarketWeeks.at(-1)!;
const newest = reportedMarketWeeks[0]!;
const reportedSpanWeeks = oldest.weeksAgo - newest.weeksAgo;

/** Tokens of the week `weeksAgo` weeks before the window's last one, by origin, in billions. */
export function marketWeekAt(weeksAgo: number): MarketWeek {
  const exact = reportedMarketWeeks.find((week) => week.weeksAgo === weeksAgo);
  if (exact !== undefined) return exact;
  if (weeksAgo > oldest.weeksAgo) {
    // Before the reported weeks: shrink by the reported span's average weekly growth.
    const extraWeeks = weeksAgo - oldest.weeksAgo;
    const growth = (pick: (week: MarketWeek) => number): number =>
      (pick(newest) / pick(oldest)) ** (1 / reportedSpanWeeks);
    return {
      weeksAgo,
      chineseTokensBillions: oldest.chineseTokensBillions / growth((week) => week.chineseTokensBillions) ** extraWeeks,
      usTokensBillions: oldest.usTokensBillions / growth((week) => week.usTokensBillions) ** extraWeeks,
    };
  }
  const later = reportedMarketWeeks.findLast((week) => week.weeksAgo < weeksAgo)!;
  const earlier = reportedMarketWeeks.find((week) => week.weeksAgo > weeksAgo)!;
  const fraction = (earlier.weeksAgo - weeksAgo) / (earlier.weeksAgo - later.weeksAgo);
  const between = (pick: (week: MarketWeek) => number): number =>
    pick(earlier) * (pick(later) / pick(earlier)) ** fraction;
  return {
    weeksAgo,
    chineseTokensBillions: between((week) => week.chineseTokensBillions),
    usTokensBillions: between((week) => week.usTokensBillions),
  };
}

/** The share of Chinese models' tokens in the week, in [0, 1]. */
export function chineseShareAt(weeksAgo: number): number {
  const week = marketWeekAt(weeksAgo);
  return week.chineseTokensBillions / (week.chineseTokensBillions + week.usTokensBillions);
}

/**
 * Requests of each simulated week, oldest first: the last week has `requestsPerWeek`, each earlier one that many
 * scaled by its market total relative to the last week's, so the demo's week-over-week growth follows the market.
 */
export function weeklyRequestCounts(weeks: number, requestsPerWeek: number): number[] {
  const total = (week: MarketWeek): number => week.chineseTokensBillions + week.usTokensBillions;
  const lastTotal = total(newest);
  return Array.from({ length: weeks }, (_, index) =>
    Math.round((requestsPerWeek * total(marketWeekAt(weeks - 1 - index))) / lastTotal),
  );
}
