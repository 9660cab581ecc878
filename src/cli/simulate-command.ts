import type { Command } from 'commander';
import { renderNanos } from '../metering/index.js';
import {
  createSimulationCatalog,
  findOrgsWithTraffic,
  runSimulation,
  simulateLimits,
  simulatedApps,
  simulatedOrgPrefix,
  weekMs,
} from '../simulate/index.js';
import type { SimulationSummary } from '../simulate/index.js';
import { loadCliConfig } from './load-cli-config.js';
import { openStorage } from './open-storage.js';
import { prepareDataDirectory } from './prepare-data-directory.js';
import { compactNumber } from './rankings-command.js';
import { holdTtlMsDefault } from './start-gateway.js';

interface SimulateOptions {
  readonly weeks: string;
  readonly seed: string;
  readonly requestsPerWeek: string;
  readonly until?: string;
  readonly force?: boolean;
  readonly config?: string;
}

const progressBarWidth = 30;
const topModelsShown = 10;

const usd = (nanos: bigint): string =>
  `$${renderNanos(nanos).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const percentOf = (part: number, whole: number): string =>
  `${whole === 0 ? '0.0' : ((part * 100) / whole).toFixed(1)}%`;
const count = (value: number): string => value.toLocaleString('en-US');
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = 86_400_000;

/** A whole number in [min, max] from a flag, or an error naming the flag. */
function parseCount(text: string, flag: string, min: number, max: number): number {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

/** `--until YYYY-MM-DD`: the window ends at that day's 00:00 UTC, which may not be in the future. */
function parseUntil(text: string | undefined, nowMs: number): number {
  if (text === undefined) return nowMs;
  const endMs = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(endMs) || new Date(endMs).toISOString().slice(0, 10) !== text) {
    throw new Error(`--until must be a date YYYY-MM-DD, got '${text}'`);
  }
  if (endMs > nowMs) throw new Error(`--until ${text} is in the future: simulated traffic must have happened`);
  return endMs;
}

/** The window's weeks end at `endMs` and may not start before 1970 (the records' times are ms since then). */
function checkWindowStart(weeks: number, endMs: number, until: string | undefined): void {
  if (endMs - weeks * weekMs >= 0) return;
  throw new Error(`--weeks ${weeks} before --until ${until ?? ''} would start before 1970-01-01`);
}

/** The progress of a long run on stderr: a bar redrawn in place on a terminal, else a line per 10 %. */
export function createProgressReporter(stream: NodeJS.WriteStream): (done: number, total: number) => void {
  // The bar is drawn from 0 %; the lines start at 10 %.
  let lastShown = stream.isTTY ? -1 : 0;
  return (done, total) => {
    const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
    const counts = `${count(done)}/${count(total)} requests`;
    if (stream.isTTY) {
      if (percent === lastShown && done < total) return;
      const filled = Math.round((percent * progressBarWidth) / 100);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(progressBarWidth - filled)}`;
      stream.write(`\rSimulating ${bar} ${String(percent).padStart(3)}% ${counts}${done >= total ? '\n' : ''}`);
      lastShown = percent;
      return;
    }
    const decile = Math.floor(percent / 10) * 10;
    if (decile <= lastShown) return;
    stream.write(`simulate: ${decile}% (${counts})\n`);
    lastShown = decile;
  };
}

/** A day of the window's last complete ISO week (UTC), else its last day: what `meridian rankings` shows best. */
function findRankingsDate(summary: SimulationSummary): string {
  const endDay = Math.floor(summary.windowEndMs / dayMs);
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is the days since Monday.
  const lastMondayMs = (endDay - ((endDay + 3) % 7)) * dayMs;
  const weekStartMs = lastMondayMs - 7 * dayMs;
  return weekStartMs >= summary.windowStartMs ? isoDate(weekStartMs) : isoDate(summary.windowEndMs - 1);
}

/** A line when an earlier run with the same seed and end had settled some of the calls (their records may since have been purged): the run added none of those. */
function formatAlreadyStored({ alreadyStored, requests }: SimulationSummary): string[] {
  const source = 'already settled by an earlier run with the same --seed and --until';
  if (alreadyStored === 0) return [];
  return alreadyStored === requests
    ? [`All ${count(requests)} were ${source}: nothing was added or charged again.`]
    : [`${count(alreadyStored)} of them were ${source}: those were not added or charged again.`];
}

/** The end-of-run report: volume, endings, tokens, money, the last week's origin split and the top models. */
export function formatSimulationSummary(summary: SimulationSummary, seed: number): string {
  const weeks = Math.round((summary.windowEndMs - summary.windowStartMs) / weekMs);
  const tokensTotal = summary.tokensPrompt + summary.tokensCompletion;
  const { endings } = summary;
  const lastWeekTotal = [...summary.lastWeekTokensByOrigin.values()].reduce((sum, value) => sum + value, 0);
  const origin = (code: string): string => percentOf(summary.lastWeekTokensByOrigin.get(code) ?? 0, lastWeekTotal);
  const top = [...summary.tokensByModel].sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1));
  const width = Math.max(...top.slice(0, topModelsShown).map(([id]) => id.length));
  const lastDay = isoDate(summary.windowEndMs - 1);
  return [
    `Simulated ${count(summary.requests)} requests from ${isoDate(summary.windowStartMs)} to ${lastDay} ` +
      `(${weeks} weeks, seed ${seed}) for ${simulatedApps.length} apps, ${summary.orgCount} orgs ` +
      `(${simulatedOrgPrefix}…) and ${summary.keyCount} keys.`,
    ...formatAlreadyStored(summary),
    `Endings: ${count(endings.success)} success, ${count(endings.no_output)} no output, ` +
      `${count(endings.client_abort)} client aborts, ${count(endings.upstream_error_after_output)} upstream errors ` +
      `after output, ${count(endings.error)} errors before output.`,
    `Tokens: ${compactNumber(tokensTotal)} (prompt ${compactNumber(summary.tokensPrompt)}, ` +
      `${percentOf(summary.tokensCached, summary.tokensPrompt)} of it cached; completion ` +
      `${compactNumber(summary.tokensCompletion)}, reasoning ${compactNumber(summary.tokensReasoning)}).`,
    `Spend: ${usd(summary.chargedNanos)} charged (upstream cost ${usd(summary.upstreamCostNanos)}; ` +
      `credit granted ${usd(summary.grantedNanos)}).`,
    `Last 7 days: Chinese models ${origin('CN')} of tokens, US models ${origin('US')}.`,
    'Top models by tokens:',
    ...top
      .slice(0, topModelsShown)
      .map(
        ([id, tokens], index) =>
          `  ${String(index + 1).padStart(2)}  ${id.padEnd(width)}  ${compactNumber(tokens).padStart(7)}  ${percentOf(tokens, tokensTotal).padStart(6)}`,
      ),
    `See the barometer: meridian rankings --date ${findRankingsDate(summary)}`,
  ].join('\n');
}

/**
 * `meridian simulate`: backfills demo traffic through the real admission and settlement path into this node's
 * storage (src/simulate/). Refuses a database that already has traffic unless `--force`.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Backfill realistic demo traffic through the real admission and settlement path')
    .option('--weeks <n>', `weeks to backfill (1–${simulateLimits.weeksMax})`, String(simulateLimits.weeksDefault))
    .option('--seed <n>', 'seed: the same seed and --until give the same traffic', String(simulateLimits.seedDefault))
    .option(
      '--requests-per-week <n>',
      `requests in the last week (1–${simulateLimits.requestsPerWeekMax}); earlier weeks follow the market curve`,
      String(simulateLimits.requestsPerWeekDefault),
    )
    .option('--until <YYYY-MM-DD>', 'end the window at this day (00:00 UTC) instead of now')
    .option('--force', 'add simulated traffic to a database that already has traffic')
    .option('--config <path>', 'config file')
    .action((options: SimulateOptions) => {
      const nowMs = Date.now();
      const seed = parseCount(options.seed, '--seed', 0, simulateLimits.seedMax);
      const weeks = parseCount(options.weeks, '--weeks', 1, simulateLimits.weeksMax);
      const requestsPerWeek = parseCount(
        options.requestsPerWeek,
        '--requests-per-week',
        1,
        simulateLimits.requestsPerWeekMax,
      );
      const endMs = parseUntil(options.until, nowMs);
      checkWindowStart(weeks, endMs, options.until);
      const { config } = loadCliConfig(options.config);
      prepareDataDirectory(config.dataDirectory);
      // This process is the only writer of its admissions, like a serving node: holds are batched with the records.
      const { storage, keys } = openStorage(config, process.env, {
        holdCommit: 'batched',
        onFlushError: (error) => process.stderr.write(`simulate: writing holds failed: ${String(error)}\n`),
      });
      try {
        refuseExistingTraffic(storage, options.force === true);
        const summary = runSimulation({
          storage,
          keys,
          catalog: createSimulationCatalog(),
          holdTtlMs: config.billing.holdTtlMs ?? holdTtlMsDefault,
          seed,
          weeks,
          requestsPerWeek,
          endMs,
          onProgress: createProgressReporter(process.stderr),
        });
        const seconds = ((Date.now() - nowMs) / 1000).toFixed(1);
        process.stdout.write(`${formatSimulationSummary(summary, seed)}\nDone in ${seconds} s.\n`);
      } finally {
        storage.close();
      }
    });
}

function refuseExistingTraffic(storage: Parameters<typeof findOrgsWithTraffic>[0], isForced: boolean): void {
  if (isForced) return;
  const orgs = findOrgsWithTraffic(storage);
  if (orgs.real.length > 0) {
    throw new Error(
      `this database already has traffic (orgs ${orgs.real.join(', ')}); simulated traffic would show in its ` +
        'rankings. Point --config at a fresh data directory, or pass --force to add it anyway.',
    );
  }
  if (orgs.simulated.length > 0) {
    throw new Error(
      `this database already holds simulated traffic (${orgs.simulated.join(', ')}); pass --force to add more ` +
        '(the same --seed and --until add nothing: the calls are the same).',
    );
  }
}
