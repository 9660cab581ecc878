import type { ServerResponse } from 'node:http';
import type {
  ActivityGrouping,
  RankingDimension,
  RankingPeriod,
  RankingsResult,
  TimeSeriesDimension,
  TimeSeriesInterval,
  UsageMeasure,
} from '../../analytics/index.js';
import { AnalyticsQueryError, parseInstant, parseOneOf, parseTimeZone } from '../../analytics/index.js';
import { renderNanos, renderUsdFixed } from '../../metering/index.js';
import type { KeyRecord, MaybePromise } from '../../storage/index.js';
import type { AppContext } from '../app-context.js';
import { sendJson } from '../send-json.js';
import { findOrgIdParam } from './check-org-id-param.js';
import { renderCsv, sendCsv } from './render-csv.js';

/** Who asks for the barometer: an admin key (every org, or `?org_id=`), a member key (its org), or the public. */
export type BarometerViewer = { readonly kind: 'key'; readonly key: KeyRecord } | { readonly kind: 'public' };

interface AnalyticsRequest {
  readonly url: URL;
  readonly viewer: BarometerViewer;
  readonly requestId: string;
  /** Apps under this many requests fold into "others" on the public view. */
  readonly minAppRequests: number;
}

const read = (url: URL, name: string): string | undefined => url.searchParams.get(name) ?? undefined;

/** `format`: JSON by default; a format the route does not write is refused rather than answered in JSON. */
const readFormat = <F extends string>(url: URL, formats: readonly F[]): F =>
  parseOneOf((read(url, 'format') ?? formats[0]) as F, formats, 'format');

function readInteger(url: URL, name: string): number | undefined {
  const text = read(url, name);
  return text === undefined ? undefined : /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
}

/** Today's date in the zone (UTC for a zone Intl does not know: the query then refuses the zone by name). */
function today(timeZone: string, nowMs: number): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone }).format(nowMs);
  } catch {
    return new Date(nowMs).toISOString().slice(0, 10);
  }
}

/** Which org the viewer's query is restricted to; undefined = every org (admin or public). */
async function scopeOrg(app: AppContext, viewer: BarometerViewer, url: URL): Promise<string | undefined> {
  if (viewer.kind === 'public') return undefined;
  if (viewer.key.role !== 'admin') return viewer.key.orgId;
  const orgId = read(url, 'org_id');
  return orgId === undefined ? undefined : findOrgIdParam(app.storage.orgs, orgId);
}

/**
 * The public view names only the catalog's models (every model id the node knows, enabled or not, API-created
 * providers' included): a passthrough model's name is whatever its client typed, and may be private (a fine-tune id, a
 * customer's name), so its usage shows under `unlisted`. A key (and the operator's CLI) sees every name.
 */
function listedModels(app: AppContext, viewer: BarometerViewer): { readonly listedModelIds?: ReadonlySet<string> } {
  return viewer.kind === 'public' ? { listedModelIds: app.catalog.knownModelIds } : {};
}

/** Money as OpenRouter renders it (USD number) plus the exact nano-units as a string. */
function renderValue(value: number | bigint): number | { readonly usd: number; readonly nanos: string } {
  return typeof value === 'bigint' ? { usd: renderNanos(value), nanos: value.toString() } : value;
}

function renderMoneyFields<T extends object>(row: T): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([name, value]) => [name, typeof value === 'bigint' ? renderValue(value) : value]),
  );
}

/** The analytics functions name their parameters; the query string names some differently. */
const queryNames: Readonly<Record<string, string>> = {
  timeZone: 'tz',
  stackBy: 'stack_by',
  groupBy: 'group_by',
  fromMs: 'from',
  toMs: 'to',
  orgId: 'org_id',
};

/** Runs a query; a refused parameter (thrown, or its promise rejected) is named as the client wrote it. */
async function answerQuery<T>(query: () => MaybePromise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (!(error instanceof AnalyticsQueryError) || error.param === undefined) throw error;
    const param = queryNames[error.param];
    if (param === undefined) throw error;
    throw new AnalyticsQueryError(param, error.message.replaceAll(error.param, param));
  }
}

/** GET /api/v1/rankings?period=&date=&tz=&by=&measure=&limit= — the barometer (PRODUCT.md §1.2, §5). */
export async function sendRankings(response: ServerResponse, app: AppContext, input: AnalyticsRequest): Promise<void> {
  const { url } = input;
  const timeZone = read(url, 'tz') ?? 'UTC';
  const orgId = await scopeOrg(app, input.viewer, url);
  const format = readFormat(url, ['json', 'csv']);
  const result = await answerQuery(() =>
    app.storage.analytics.rankings({
      period: (read(url, 'period') ?? 'week') as RankingPeriod,
      date: read(url, 'date') ?? today(timeZone, app.now()),
      timeZone,
      by: (read(url, 'by') ?? 'model') as RankingDimension,
      measure: (read(url, 'measure') ?? 'total_tokens') as UsageMeasure,
      limit: readInteger(url, 'limit'),
      ...(orgId === undefined ? {} : { orgId }),
      minAppRequests: input.viewer.kind === 'public' ? input.minAppRequests : 0,
      ...listedModels(app, input.viewer),
    }),
  );
  const data = renderRankings(result);
  if (format === 'csv') {
    const csv = renderCsv(
      ['rank', result.by, result.measure, 'share', 'previous', 'growth'],
      [
        ...result.rows.map((row, index) => [
          index + 1,
          row.key,
          csvValue(row.value),
          row.share,
          csvValue(row.previousValue),
          row.growth,
        ]),
        [
          '',
          'others',
          csvValue(result.others.value),
          result.others.share,
          csvValue(result.others.previousValue),
          result.others.growth,
        ],
        // The total is all of itself, but no share of an empty period (as rows and others have share 0 there).
        [
          '',
          'total',
          csvValue(result.total),
          isZero(result.total) ? 0 : 1,
          csvValue(result.previousTotal),
          result.growth,
        ],
      ],
    );
    return sendCsv(
      response,
      csv,
      `rankings-${result.period}-${result.current.start.slice(0, 10)}-${result.by}.csv`,
      input.requestId,
    );
  }
  sendJson(response, 200, { data }, input.requestId);
}

/** The rankings as `GET /api/v1/rankings` answers them (and `meridian rankings --json` prints them). */
export function renderRankings(result: RankingsResult<number | bigint>): Record<string, unknown> {
  return {
    ...result,
    total: renderValue(result.total),
    previousTotal: renderValue(result.previousTotal),
    rows: result.rows.map((row) => ({
      ...row,
      value: renderValue(row.value),
      previousValue: renderValue(row.previousValue),
    })),
    others: {
      ...result.others,
      value: renderValue(result.others.value),
      previousValue: renderValue(result.others.previousValue),
    },
  };
}

const isZero = (value: number | bigint): boolean => value === 0 || value === 0n;

/** Money in CSV: exact USD with 9 decimals; counts as they are. */
const csvValue = (value: number | bigint): string =>
  typeof value === 'bigint' ? renderUsdFixed(value) : String(value);

/** GET /api/v1/rankings/series?interval=week&count=8&stack_by=origin&measure=&date=&tz= — stacked time series. */
export async function sendRankingSeries(
  response: ServerResponse,
  app: AppContext,
  input: AnalyticsRequest,
): Promise<void> {
  const { url } = input;
  const timeZone = read(url, 'tz') ?? 'UTC';
  const orgId = await scopeOrg(app, input.viewer, url);
  readFormat(url, ['json']);
  const result = await answerQuery(() =>
    app.storage.analytics.timeSeries({
      interval: (read(url, 'interval') ?? 'week') as TimeSeriesInterval,
      count: readInteger(url, 'count') ?? 8,
      date: read(url, 'date') ?? today(timeZone, app.now()),
      timeZone,
      stackBy: (read(url, 'stack_by') ?? 'origin') as TimeSeriesDimension,
      measure: (read(url, 'measure') ?? 'total_tokens') as UsageMeasure,
      ...(orgId === undefined ? {} : { orgId }),
      ...listedModels(app, input.viewer),
    }),
  );
  const points = result.points.map((point) => ({ ...point, value: renderValue(point.value) }));
  sendJson(response, 200, { data: { ...result, points } }, input.requestId);
}

/** The range Activity shows when the query names no `from`: the 30 days before `to`. */
const activityDaysDefault = 30;

/**
 * Activity's `from` and `to`: dates are days in `tz` (as rankings read `date`), `to` is exclusive and defaults to now,
 * `from` to {@link activityDaysDefault} days before `to`. A reversed range is named as the client wrote it.
 */
function readActivityRange(url: URL, timeZone: string, nowMs: number): { fromMs: number; toMs: number } {
  const zone = parseTimeZone(timeZone, 'tz');
  const [fromText, toText] = [read(url, 'from'), read(url, 'to')];
  const toMs = toText === undefined ? nowMs : parseInstant(toText, zone, 'to');
  const fromMs =
    fromText === undefined ? toMs - activityDaysDefault * 86_400_000 : parseInstant(fromText, zone, 'from');
  if (fromMs < toMs) return { fromMs, toMs };
  const toShown = toText ?? `now (${new Date(nowMs).toISOString()})`;
  throw new AnalyticsQueryError('from', `from must come before to, got from=${fromText ?? ''} and to=${toShown}`);
}

/** GET /api/v1/activity?from=&to=&group_by=&tz= — the caller's org only (an admin may name `org_id`). */
export async function sendActivity(
  response: ServerResponse,
  app: AppContext,
  input: AnalyticsRequest & { readonly key: KeyRecord },
): Promise<void> {
  const { url } = input;
  const timeZone = read(url, 'tz') ?? 'UTC';
  const format = readFormat(url, ['json', 'csv']);
  const { fromMs, toMs } = await answerQuery(() => readActivityRange(url, timeZone, app.now()));
  const askedOrgId = input.key.role === 'admin' ? read(url, 'org_id') : undefined;
  const orgId = askedOrgId === undefined ? input.key.orgId : await findOrgIdParam(app.storage.orgs, askedOrgId);
  const result = await answerQuery(() =>
    app.storage.analytics.activity({
      orgId,
      fromMs,
      toMs,
      groupBy: (read(url, 'group_by') ?? 'day') as ActivityGrouping,
      timeZone,
    }),
  );
  if (format === 'csv') {
    const columns = [
      'requests',
      'promptTokens',
      'completionTokens',
      'reasoningTokens',
      'cachedTokens',
      'totalTokens',
    ] as const;
    const csv = renderCsv(
      [result.groupBy, ...columns, 'spend_usd'],
      result.rows.map((row) => [row.key, ...columns.map((column) => row[column]), csvValue(row.costNanos)]),
    );
    return sendCsv(response, csv, `activity-${result.orgId}-${result.groupBy}.csv`, input.requestId);
  }
  sendJson(
    response,
    200,
    { data: { ...result, rows: result.rows.map(renderMoneyFields), total: renderMoneyFields(result.total) } },
    input.requestId,
  );
}
