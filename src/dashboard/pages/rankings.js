// Rankings: the barometer (PRODUCT.md §1.3, §5). Top models, vendors, countries, apps or providers for a day,
// week or month, with share bars and growth arrows, and the stacked area of tokens by origin over 8 weeks.
// `date` in the hash (any day of the period, `YYYY-MM-DD`) picks an earlier period; without it, today's.

import { getJson, query } from '../api.js';
import {
  calendarDateOf,
  comparePeriods,
  describePeriod,
  formatCalendarDate,
  lastDayOfPeriod,
  parseCalendarDate,
  shiftPeriod,
  startOfPeriod,
} from '../calendar.js';
import { shareBar, stackedAreaChart } from '../charts.js';
import { card, cell, el, emptyState, fillSection, table } from '../dom.js';
import {
  formatGrowth,
  formatInteger,
  formatOrigin,
  formatShare,
  formatTokens,
  formatUsd,
  growthDirection,
  readUsd,
} from '../format.js';
import { buildHash } from '../routes.js';

const periods = [
  ['day', 'Day'],
  ['week', 'Week'],
  ['month', 'Month'],
];
const dimensions = [
  ['model', 'Models', 'Model'],
  ['author', 'Vendors', 'Vendor'],
  ['origin', 'Countries', 'Origin'],
  ['app', 'Apps', 'App'],
  ['provider', 'Providers', 'Provider'],
];
const measures = [
  ['total_tokens', 'Tokens'],
  ['requests', 'Requests'],
  ['spend', 'Spend'],
];
const arrows = { up: '▲', down: '▼', flat: '▶', new: '★' };
const resetLabels = { day: 'Today', week: 'This week', month: 'This month' };
const seriesWeekCount = 8;

const pick = (value, options, fallback) => (options.some(([name]) => name === value) ? value : fallback);

export function renderRankings(page, context) {
  // The API's default zone is UTC, so "today" is UTC's date too.
  const today = calendarDateOf(Date.now());
  const choice = readChoice(context.route.params);
  const shown = choice.date ?? today;
  const order = comparePeriods(choice.period, shown, today);
  // A period still running (or to come: a date in the future) has no next period to show yet; the origin chart's
  // weeks end with the chosen period, or today while it runs.
  const isCurrent = order >= 0;
  const seriesEnd = isCurrent ? today : lastDayOfPeriod(choice.period, shown);
  const heading = el('h2', {
    className: 'period-heading',
    'data-field': 'period',
    text: describePeriod({
      period: choice.period,
      start: startOfPeriod(choice.period, shown),
      end: shiftPeriod(choice.period, shown, 1),
      timeZone: 'UTC',
    }),
  });
  const tableSection = el('div');
  const chartSection = el('div');
  page.append(
    el('div', { className: 'page-head' }, [
      el('h1', { text: 'Rankings' }),
      el('p', { className: 'lead', text: 'Who uses which models on this gateway, and how that moves.' }),
    ]),
    heading,
    el('div', { className: 'controls' }, [
      switcher('Period', periods, choice, 'period'),
      periodNavigation(choice, { shown, order, navigate: context.navigate }),
      switcher('Rank', dimensions, choice, 'by'),
      switcher('Measure', measures, choice, 'measure'),
    ]),
    card(
      `Top ${labelOf(dimensions, choice.by).toLowerCase()} by ${labelOf(measures, choice.measure).toLowerCase()}`,
      [tableSection],
      'rankings-card',
    ),
    card(
      isCurrent
        ? `Tokens by origin, last ${seriesWeekCount} weeks`
        : `Tokens by origin, ${seriesWeekCount} weeks to ${formatCalendarDate(lastDayOfPeriod('week', seriesEnd))}`,
      [chartSection],
      'origin-card',
    ),
  );
  const onSignedOut = () => context.signedOut('Rankings on this gateway are private: sign in to see them.');
  const { period, date, by, measure } = choice;
  void fillSection(tableSection, {
    load: () => getJson(`/api/v1/rankings${query({ period, date, by, measure, limit: 20 })}`),
    render: (body) => {
      // The bounds as the API answers them (in its zone).
      heading.textContent = describePeriod({ ...body.data.current, period, timeZone: body.data.timeZone });
      return renderRanking(body.data);
    },
    onSignedOut,
  });
  const seriesDate = date === undefined ? undefined : seriesEnd;
  void fillSection(chartSection, {
    load: () =>
      getJson(
        `/api/v1/rankings/series${query({ interval: 'week', count: seriesWeekCount, stack_by: 'origin', date: seriesDate })}`,
      ),
    render: (body) => renderOriginChart(body.data, isCurrent),
    onSignedOut,
  });
}

/** The hash's choices; anything unknown (or a date that is not a calendar date) falls back to the default. */
function readChoice(params) {
  return {
    period: pick(params.period, periods, 'week'),
    date: parseCalendarDate(params.date) ?? undefined,
    by: pick(params.by, dimensions, 'model'),
    measure: pick(params.measure, measures, 'total_tokens'),
  };
}

/** ‹ Previous, back to today's period, Next › (off from the period holding today on). */
function periodNavigation(choice, { shown, order, navigate }) {
  const move = (date) => () => navigate('rankings', '', { ...choice, date });
  const button = (text, action, onClick, isDisabled) =>
    el('button', {
      type: 'button',
      className: 'secondary',
      'data-action': action,
      text,
      disabled: isDisabled,
      onClick,
    });
  return el('div', { className: 'switcher period-nav', role: 'group', 'aria-label': 'Move through periods' }, [
    button('‹ Previous', 'previous', move(shiftPeriod(choice.period, shown, -1)), false),
    button(resetLabels[choice.period], 'current', move(undefined), order === 0),
    button('Next ›', 'next', move(shiftPeriod(choice.period, shown, 1)), order >= 0),
  ]);
}

function switcher(label, options, choice, name) {
  return el('div', { className: 'switcher', role: 'group', 'aria-label': label }, [
    el('span', { className: 'switcher-label', text: label }),
    ...options.map(([value, title]) =>
      el('a', {
        href: buildHash('rankings', '', { ...choice, [name]: value }),
        text: title,
        'aria-current': choice[name] === value ? 'true' : undefined,
      }),
    ),
  ]);
}

function labelOf(options, value) {
  return options.find(([name]) => name === value)?.[1] ?? value;
}

function renderRanking(result) {
  const formatValue =
    result.measure === 'spend' ? (value) => formatUsd(readUsd(value)) : (value) => formatTokens(value);
  const formatKey = result.by === 'origin' ? formatOrigin : String;
  const summary = el('p', { className: 'summary' }, [
    el('span', { text: 'Total ' }),
    el('strong', { 'data-field': 'total', text: formatValue(result.total) }),
    ' ',
    growthBadge(result.growth),
    el('span', { className: 'muted', text: ` · ${formatInteger(result.requests)} requests` }),
  ]);
  if (result.rows.length === 0)
    return [summary, emptyState('No usage in this period yet. Make a call with any key, then look again.')];
  const rows = result.rows.map((row, index) =>
    el('tr', { 'data-key': row.key }, [
      cell(String(index + 1), { className: 'rank' }),
      cell(formatKey(row.key), { 'data-field': 'key', className: 'name' }),
      valueCell(row.value, formatValue),
      shareCell(row.share),
      cell(growthBadge(row.growth)),
    ]),
  );
  if (result.others.keyCount > 0) {
    rows.push(
      el('tr', { className: 'others' }, [
        cell(''),
        cell(`Others (${formatInteger(result.others.keyCount)})`),
        valueCell(result.others.value, formatValue),
        shareCell(result.others.share),
        cell(growthBadge(result.others.growth)),
      ]),
    );
  }
  const columns = [
    { title: '#' },
    {
      title: labelOf(
        dimensions.map(([name, , single]) => [name, single]),
        result.by,
      ),
    },
    { title: labelOf(measures, result.measure), isNumeric: true },
    { title: 'Share' },
    { title: 'vs previous' },
  ];
  const notes = [];
  if (result.requestsUsageEstimated > 0 || result.requestsUsageUnknown > 0) {
    notes.push(
      el('p', {
        className: 'muted',
        text: `${formatInteger(result.requestsUsageEstimated)} requests with estimated usage, ${formatInteger(result.requestsUsageUnknown)} with unknown usage (counted as 0).`,
      }),
    );
  }
  return [summary, table(columns, rows, 'rankings'), ...notes];
}

function valueCell(value, formatValue) {
  const raw = typeof value === 'object' && value !== null ? value.nanos : String(value);
  return cell(formatValue(value), { className: 'num', 'data-field': 'value', 'data-value': raw });
}

function shareCell(share) {
  return el('td', { className: 'share' }, [
    shareBar(share),
    el('span', {
      className: 'share-text',
      'data-field': 'share',
      'data-share': String(share),
      text: formatShare(share),
    }),
  ]);
}

/** An arrow and the growth versus the previous period ("new" when there was nothing before). */
export function growthBadge(growth) {
  const direction = growthDirection(growth);
  return el('span', { className: `growth growth-${direction}`, 'data-field': 'growth' }, [
    el('span', { className: 'arrow', 'aria-hidden': 'true', text: arrows[direction] }),
    ` ${formatGrowth(growth)}`,
  ]);
}

function renderOriginChart(series, isCurrent) {
  if (!series.points.some((point) => Number(point.value) > 0)) {
    return emptyState(isCurrent ? 'No tokens in the last 8 weeks yet.' : 'No tokens in these 8 weeks.');
  }
  return stackedAreaChart({
    series,
    readValue: Number,
    formatValue: formatTokens,
    formatKey: formatOrigin,
    className: 'origin-chart',
    label: 'Tokens by origin country over 8 weeks, stacked',
  });
}
