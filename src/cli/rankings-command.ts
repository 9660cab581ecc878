import type { Command } from 'commander';
import type { RankingDimension, RankingPeriod, RankingsResult, UsageMeasure } from '../analytics/index.js';
import { analyticsLimits, parseTimeZone } from '../analytics/index.js';
import { renderNanos } from '../metering/index.js';
import { renderRankings } from '../http/routes/analytics-routes.js';
import { withStorage } from './keys-commands.js';
import { jsonOption, writeJson } from './write-json.js';

interface RankingsOptions {
  readonly period: string;
  readonly by: string;
  readonly measure: string;
  readonly date?: string;
  readonly tz: string;
  readonly limit: string;
  readonly config?: string;
  readonly json?: boolean;
}

const formatValue = (value: number | bigint): string =>
  typeof value === 'bigint' ? formatUsd(value) : compactNumber(value);

/** Nano-USD for people: cents from one cent up ($17.79), two significant digits below ($0.00026), as the dashboard. */
export function formatUsd(nanos: bigint): string {
  const usd = renderNanos(nanos);
  if (nanos === 0n || usd >= 0.01) return `$${usd.toFixed(2)}`;
  const decimals = Math.min(9, 1 - Math.floor(Math.log10(usd)));
  return `$${usd.toFixed(decimals).replace(/0+$/, '')}`;
}

const compactUnits: readonly (readonly [number, string])[] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/** 1234 → 1.2K, 3.4e12 → 3.4T: what the barometer pages print. */
export function compactNumber(value: number): string {
  const index = compactUnits.findIndex(([size]) => Math.abs(value) >= size);
  if (index === -1) return String(value);
  // Tenths by integer arithmetic first (2 050 → 20.5 → 21 → 2.1K), so halves round up, not to float error.
  const tenthsIn = (size: number): number => Math.round((value * 10) / size);
  // 999 950 is 1000.0K in tenths: the next unit up says it (1.0M).
  const unitIndex = index > 0 && Math.abs(tenthsIn(compactUnits[index]![0])) >= 10_000 ? index - 1 : index;
  const [size, unit] = compactUnits[unitIndex]!;
  return `${(tenthsIn(size) / 10).toFixed(1)}${unit}`;
}

const formatPercent = (ratio: number | null): string =>
  ratio === null ? 'new' : `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;

/** The total's share and growth; a period with no usage has no share, nor growth when the previous had none either. */
function formatTotalRatios(result: RankingsResult<number | bigint>): [string, string] {
  const isEmpty = (value: number | bigint): boolean => value === 0 || value === 0n;
  if (!isEmpty(result.total)) return ['100.0%', formatPercent(result.growth)];
  return ['—', isEmpty(result.previousTotal) ? '—' : formatPercent(result.growth)];
}

/** The rankings as a terminal table: rank, key, value, share, growth, then "others" and the total. */
export function formatRankingsTable(result: RankingsResult<number | bigint>): string {
  const rows = result.rows.map((row, index) => [
    String(index + 1),
    row.key,
    formatValue(row.value),
    `${(row.share * 100).toFixed(1)}%`,
    formatPercent(row.growth),
  ]);
  if (result.others.keyCount > 0) {
    rows.push([
      '',
      `others (${result.others.keyCount})`,
      formatValue(result.others.value),
      `${(result.others.share * 100).toFixed(1)}%`,
      formatPercent(result.others.growth),
    ]);
  }
  rows.push(['', 'total', formatValue(result.total), ...formatTotalRatios(result)]);
  const header = ['#', result.by, result.measure, 'share', 'vs previous'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ');
  const title = `${result.period} ${result.current.start} – ${result.current.end}`;
  return [title, line(header), ...rows.map(line)].join('\n');
}

/** `meridian rankings`: the barometer in the terminal, from the node's own storage. */
export function registerRankingsCommand(program: Command): void {
  program
    .command('rankings')
    .description('Print the usage barometer: top models, vendors, origins, apps or providers')
    .option('--period <period>', 'day, week or month', 'week')
    .option('--by <dimension>', 'model, author, origin, app or provider', 'model')
    .option('--measure <measure>', 'total_tokens, prompt_tokens, completion_tokens, requests, spend, …', 'total_tokens')
    .option('--date <YYYY-MM-DD>', 'a day inside the period (default: today in --tz)')
    .option('--tz <zone>', 'IANA time zone', 'UTC')
    .option('--limit <n>', 'top N', '10')
    .option('--config <path>', 'config file')
    .option(...jsonOption)
    .action((options: RankingsOptions) => {
      // Checked before today's date is read in it (Intl's own error names no flag).
      const zone = parseTimeZone(options.tz, '--tz');
      const limit = parseLimitFlag(options.limit);
      return withStorage(options.config, async ({ storage }) => {
        const result = await storage.analytics.rankings({
          period: options.period as RankingPeriod,
          by: options.by as RankingDimension,
          measure: options.measure as UsageMeasure,
          date: options.date ?? new Intl.DateTimeFormat('en-CA', { timeZone: zone.name }).format(Date.now()),
          timeZone: options.tz,
          limit,
        });
        // As GET /api/v1/rankings renders them: money as `{ usd, nanos }`, counts as numbers.
        if (options.json === true) return writeJson(renderRankings(result));
        process.stdout.write(`${formatRankingsTable(result)}\n`);
      });
    });
}

/**
 * `--limit` as the API reads `limit`: decimal digits only (`Number` would take `0x10`, `1e1` or ` 7`), in range.
 */
export function parseLimitFlag(text: string): number {
  const limit = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= analyticsLimits.rankingsLimitMax)) {
    throw new Error(`--limit must be a whole number from 1 to ${analyticsLimits.rankingsLimitMax}; got '${text}'.`);
  }
  return limit;
}
