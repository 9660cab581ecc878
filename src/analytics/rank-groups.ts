import type { RankingDimension, RankingOthers, RankingRow } from './analytics-types.js';
import { convertToGrowth, convertToShare } from './convert-to-ratio.js';

/** One key's sums over the current and previous period, exact. */
export interface RankingGroup {
  readonly key: string;
  readonly value: bigint;
  readonly previousValue: bigint;
  /** Requests in the current period (decides the privacy threshold and whether the key was active). */
  readonly requests: bigint;
  /** Requests in the previous period (decides whether a named app's previous value may be shown). */
  readonly previousRequests: bigint;
}

export interface RankedGroups {
  readonly total: bigint;
  readonly previousTotal: bigint;
  readonly rows: readonly RankingRow<bigint>[];
  readonly others: RankingOthers<bigint>;
}

/**
 * Top-N of the groups, and "others" as the exact remainder of both periods' totals (so rows plus others
 * always add up to the totals). Only keys with a positive value are ranked; ties go by key (UTF-16 order),
 * so the order is deterministic. For apps, unattributed traffic ('') and apps under the privacy threshold
 * are never named: they stay in "others". The threshold holds in each period: a named app that was under it in the
 * previous period shows a previous value of 0 (growth null), that value staying in "others" as it does in the
 * previous period's own ranking, so asking for the next period cannot reveal what the threshold hid.
 */
export function rankGroups(
  groups: readonly RankingGroup[],
  options: { readonly by: RankingDimension; readonly limit: number; readonly minAppRequests: number },
): RankedGroups {
  let total = 0n;
  let previousTotal = 0n;
  for (const group of groups) {
    total += group.value;
    previousTotal += group.previousValue;
  }
  const isNameable = (group: RankingGroup, requests: bigint): boolean =>
    options.by !== 'app' || (group.key !== '' && requests >= BigInt(options.minAppRequests));
  const ranked = groups
    .filter((group) => group.value > 0n && isNameable(group, group.requests))
    .sort(compareGroups)
    .slice(0, options.limit)
    .map((group) => (isNameable(group, group.previousRequests) ? group : { ...group, previousValue: 0n }));
  const rankedKeys = new Set(ranked.map((group) => group.key));
  let othersValue = total;
  let othersPreviousValue = previousTotal;
  for (const group of ranked) {
    othersValue -= group.value;
    othersPreviousValue -= group.previousValue;
  }
  const rows = ranked.map((group) => ({
    key: group.key,
    value: group.value,
    share: convertToShare(group.value, total),
    previousValue: group.previousValue,
    growth: convertToGrowth(group.value, group.previousValue),
  }));
  const others = {
    value: othersValue,
    share: convertToShare(othersValue, total),
    previousValue: othersPreviousValue,
    growth: convertToGrowth(othersValue, othersPreviousValue),
    keyCount: groups.filter((group) => group.requests > 0n && !rankedKeys.has(group.key)).length,
  };
  return { total, previousTotal, rows, others };
}

function compareGroups(left: RankingGroup, right: RankingGroup): number {
  if (left.value !== right.value) return left.value > right.value ? -1 : 1;
  if (left.key === right.key) return 0;
  return left.key < right.key ? -1 : 1;
}
