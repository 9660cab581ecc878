import type { GenerationRecord } from '../../storage/index.js';
import type {
  ActivityParams,
  ActivityTotals,
  RankingDimension,
  RankingPeriod,
  TimeSeriesInterval,
  TimeSeriesDimension,
  UsageMeasure,
} from '../analytics-types.js';
import { convertAppName } from '../convert-app-name.js';

/**
 * The barometer recomputed straight from raw generation records in plain TypeScript, for property tests:
 * no rollups, no quarter-hours, and its own calendar code (a record's local date read with Intl's en-CA
 * format), so a mistake in the zone math or the rollup path shows up as a difference.
 */

const dayMs = 86_400_000;
const localDateFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in a zone. */
export function readLocalDate(instantMs: number, timeZone: string): string {
  let format = localDateFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    localDateFormats.set(timeZone, format);
  }
  return format.format(instantMs);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** First and last calendar day of the period `offset` periods from the one holding `date`. */
export function findPeriodDays(period: RankingPeriod, date: string, offset: number): [string, string] {
  if (period === 'day') return [addDays(date, offset), addDays(date, offset)];
  if (period === 'week') {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const monday = addDays(date, -((weekday + 6) % 7) + 7 * offset);
    return [monday, addDays(monday, 6)];
  }
  const [year, month] = date.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(year, month - 1 + offset, 1)).toISOString().slice(0, 10);
  const last = new Date(Date.UTC(year, month + offset, 0)).toISOString().slice(0, 10);
  return [first, last];
}

/** Records as the generation store keeps them: the first of each id. */
export function dedupeById(records: readonly GenerationRecord[]): GenerationRecord[] {
  const seen = new Set<string>();
  return records.filter((record) => !seen.has(record.id) && seen.add(record.id));
}

function count(value: number | null): bigint {
  return BigInt(value ?? 0);
}

export function readMeasure(record: GenerationRecord, measure: UsageMeasure): bigint {
  switch (measure) {
    case 'total_tokens':
      return count(record.tokensInputTotal) + count(record.tokensOutputTotal);
    case 'prompt_tokens':
      return count(record.tokensInputTotal);
    case 'completion_tokens':
      return count(record.tokensOutputTotal);
    case 'reasoning_tokens':
      return count(record.tokensOutputReasoning);
    case 'cached_tokens':
      return count(record.tokensInputCacheRead);
    case 'requests':
      return 1n;
    case 'spend':
      return record.costNanos;
  }
}

export function readDimension(record: GenerationRecord, by: RankingDimension | 'key'): string {
  switch (by) {
    case 'model':
      return record.modelId;
    case 'author':
      return record.author;
    case 'origin':
      return record.origin;
    case 'provider':
      return record.providerId;
    case 'app':
      return convertAppName(record.appTitle, record.appReferer);
    case 'key':
      return record.keyId;
  }
}

function round4(numerator: bigint, denominator: bigint): number {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = (magnitude * 10_000n) / denominator;
  if ((magnitude * 10_000n) % denominator >= denominator - ((magnitude * 10_000n) % denominator)) quotient += 1n;
  return Number(negative ? -quotient : quotient) / 10_000;
}

const share = (value: bigint, total: bigint): number => (total === 0n ? 0 : round4(value, total));
const growth = (value: bigint, previous: bigint): number | null =>
  previous === 0n ? null : round4(value - previous, previous);

export interface BruteRankingsQuery {
  readonly period: RankingPeriod;
  readonly date: string;
  readonly timeZone: string;
  readonly by: RankingDimension;
  readonly measure: UsageMeasure;
  readonly limit: number;
  readonly orgId: string | undefined;
  readonly minAppRequests: number;
}

/** A ranking's numbers as bigints; the caller converts counts to numbers as the API does. */
export function computeRankings(records: readonly GenerationRecord[], query: BruteRankingsQuery) {
  const [currentFirst, currentLast] = findPeriodDays(query.period, query.date, 0);
  const [previousFirst, previousLast] = findPeriodDays(query.period, query.date, -1);
  const groups = new Map<
    string,
    { value: bigint; previousValue: bigint; requests: number; previousRequests: number }
  >();
  let requests = 0;
  let estimated = 0;
  let unknown = 0;
  for (const record of records) {
    if (query.orgId !== undefined && record.orgId !== query.orgId) continue;
    const localDate = readLocalDate(record.finishedAtMs, query.timeZone);
    const isCurrent = localDate >= currentFirst && localDate <= currentLast;
    const isPrevious = localDate >= previousFirst && localDate <= previousLast;
    if (!isCurrent && !isPrevious) continue;
    const key = readDimension(record, query.by);
    const group = groups.get(key) ?? { value: 0n, previousValue: 0n, requests: 0, previousRequests: 0 };
    groups.set(key, group);
    if (isPrevious) {
      group.previousValue += readMeasure(record, query.measure);
      group.previousRequests += 1;
      continue;
    }
    group.value += readMeasure(record, query.measure);
    group.requests += 1;
    requests += 1;
    if (record.isUsageEstimated) estimated += 1;
    if (record.tokensInputTotal === null || record.tokensOutputTotal === null) unknown += 1;
  }
  const entries = [...groups].map(([key, group]) => ({ key, ...group }));
  const total = entries.reduce((sum, group) => sum + group.value, 0n);
  const previousTotal = entries.reduce((sum, group) => sum + group.previousValue, 0n);
  const ranked = entries
    .filter((group) => group.value > 0n)
    .filter((group) => query.by !== 'app' || (group.key !== '' && group.requests >= query.minAppRequests))
    .sort((left, right) =>
      left.value !== right.value ? (left.value > right.value ? -1 : 1) : left.key < right.key ? -1 : 1,
    )
    .slice(0, query.limit)
    // An app under the threshold in the previous period shows no previous value; it stays in others.
    .map((group) =>
      query.by === 'app' && group.previousRequests < query.minAppRequests ? { ...group, previousValue: 0n } : group,
    );
  const othersValue = total - ranked.reduce((sum, group) => sum + group.value, 0n);
  const othersPrevious = previousTotal - ranked.reduce((sum, group) => sum + group.previousValue, 0n);
  return {
    total,
    previousTotal,
    growth: growth(total, previousTotal),
    rows: ranked.map((group) => ({
      key: group.key,
      value: group.value,
      share: share(group.value, total),
      previousValue: group.previousValue,
      growth: growth(group.value, group.previousValue),
    })),
    others: {
      value: othersValue,
      share: share(othersValue, total),
      previousValue: othersPrevious,
      growth: growth(othersValue, othersPrevious),
      keyCount: entries.filter((group) => group.requests > 0 && !ranked.some((row) => row.key === group.key)).length,
    },
    requests,
    requestsUsageEstimated: estimated,
    requestsUsageUnknown: unknown,
  };
}

/** Per period (oldest first), per key: the measure's sum; keys in the API's order. */
export function computeTimeSeries(
  records: readonly GenerationRecord[],
  query: {
    readonly interval: TimeSeriesInterval;
    readonly count: number;
    readonly date: string;
    readonly timeZone: string;
    readonly stackBy: TimeSeriesDimension;
    readonly measure: UsageMeasure;
    readonly orgId: string | undefined;
  },
): { keys: string[]; points: { key: string; value: bigint }[][] } {
  const periods = Array.from({ length: query.count }, (_, index) =>
    findPeriodDays(query.interval, query.date, index + 1 - query.count),
  );
  const sums = periods.map(() => new Map<string, bigint>());
  const totals = new Map<string, bigint>();
  for (const record of records) {
    if (query.orgId !== undefined && record.orgId !== query.orgId) continue;
    const localDate = readLocalDate(record.finishedAtMs, query.timeZone);
    const index = periods.findIndex(([first, last]) => localDate >= first && localDate <= last);
    if (index < 0) continue;
    const key = readDimension(record, query.stackBy);
    const value = readMeasure(record, query.measure);
    sums[index]?.set(key, (sums[index]?.get(key) ?? 0n) + value);
    totals.set(key, (totals.get(key) ?? 0n) + value);
  }
  const keys = [...totals]
    .filter(([, total]) => total > 0n)
    .sort(([leftKey, left], [rightKey, right]) =>
      left !== right ? (left > right ? -1 : 1) : leftKey < rightKey ? -1 : 1,
    )
    .map(([key]) => key);
  return { keys, points: sums.map((values) => keys.map((key) => ({ key, value: values.get(key) ?? 0n }))) };
}

function addToTotals(totals: Record<keyof ActivityTotals, bigint>, record: GenerationRecord): void {
  totals.requests += 1n;
  totals.requestsUsageEstimated += record.isUsageEstimated ? 1n : 0n;
  totals.requestsUsageUnknown += record.tokensInputTotal === null || record.tokensOutputTotal === null ? 1n : 0n;
  totals.promptTokens += readMeasure(record, 'prompt_tokens');
  totals.completionTokens += readMeasure(record, 'completion_tokens');
  totals.reasoningTokens += readMeasure(record, 'reasoning_tokens');
  totals.cachedTokens += readMeasure(record, 'cached_tokens');
  totals.totalTokens += readMeasure(record, 'total_tokens');
  totals.costNanos += record.costNanos;
  totals.upstreamCostNanos += record.upstreamCostNanos;
}

const emptyTotals = (): Record<keyof ActivityTotals, bigint> => ({
  requests: 0n,
  requestsUsageEstimated: 0n,
  requestsUsageUnknown: 0n,
  promptTokens: 0n,
  completionTokens: 0n,
  reasoningTokens: 0n,
  cachedTokens: 0n,
  totalTokens: 0n,
  costNanos: 0n,
  upstreamCostNanos: 0n,
});

/** Activity rows as the API returns them (counts as numbers, money as bigint), in the API's order. */
export function computeActivity(records: readonly GenerationRecord[], query: ActivityParams & { timeZone: string }) {
  const bucketMs = 900_000;
  const fromMs = Math.floor(query.fromMs / bucketMs) * bucketMs;
  const toMs = Math.ceil(query.toMs / bucketMs) * bucketMs;
  const groups = new Map<string, Record<keyof ActivityTotals, bigint>>();
  if (query.groupBy === 'day') {
    const last = readLocalDate(toMs - 1, query.timeZone);
    for (let day = readLocalDate(fromMs, query.timeZone); day <= last; day = addDays(day, 1)) {
      groups.set(day, emptyTotals());
    }
  }
  for (const record of records) {
    if (record.orgId !== query.orgId || record.finishedAtMs < fromMs || record.finishedAtMs >= toMs) continue;
    const key =
      query.groupBy === 'day'
        ? readLocalDate(record.finishedAtMs, query.timeZone)
        : readDimension(record, query.groupBy);
    const totals = groups.get(key) ?? emptyTotals();
    groups.set(key, totals);
    addToTotals(totals, record);
  }
  const rows = [...groups].map(([key, totals]) => ({
    key,
    ...Object.fromEntries(
      Object.entries(totals).map(([name, value]) => [name, name.endsWith('Nanos') ? value : Number(value)]),
    ),
  })) as ({ key: string } & ActivityTotals)[];
  if (query.groupBy !== 'day') {
    rows.sort((left, right) =>
      left.costNanos !== right.costNanos
        ? left.costNanos > right.costNanos
          ? -1
          : 1
        : left.totalTokens !== right.totalTokens
          ? right.totalTokens - left.totalTokens
          : left.key < right.key
            ? -1
            : 1,
    );
  }
  return { fromMs, toMs, rows };
}
