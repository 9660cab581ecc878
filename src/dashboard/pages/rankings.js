// Rankings: the barometer (PRODUCT.md §1.3, §5). Top models, vendors, countries, apps or providers for a day,
// week or month, with share bars and growth arrows, and the stacked area of tokens by origin over 8 weeks.

import { getJson, query } from '../api.js';
import { shareBar, stackedAreaChart } from '../charts.js';
import { card, cell, el, emptyState, fillSection, table } from '../dom.js';
import {
  formatGrowth,
  formatInteger,
  formatOrigin,
  formatShare,
  formatShortDate,
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

const pick = (value, options, fallback) => (options.some(([name]) => name === value) ? value : fallback);

export function renderRankings(page, context) {
  const { params } = context.route;
  const choice = {
    period: pick(params.period, periods, 'week'),
    by: pick(params.by, dimensions, 'model'),
    measure: pick(params.measure, measures, 'total_tokens'),
  };
  const tableSection = el('div');
  const chartSection = el('div');
  page.append(
    el('div', { className: 'page-head' }, [
      el('h1', { text: 'Rankings' }),
      el('p', { className: 'lead', text: 'Who uses which models on this gateway, and how that moves.' }),
    ]),
    el('div', { className: 'controls' }, [
      switcher('Period', periods, choice, 'period'),
      switcher('Rank', dimensions, choice, 'by'),
      switcher('Measure', measures, choice, 'measure'),
    ]),
    card(
      `Top ${labelOf(dimensions, choice.by).toLowerCase()} by ${labelOf(measures, choice.measure).toLowerCase()}`,
      [tableSection],
      'rankings-card',
    ),
    card('Tokens by origin, last 8 weeks', [chartSection], 'origin-card'),
  );
  void fillSection(tableSection, {
    load: () => getJson(`/api/v1/rankings${query({ ...choice, limit: 20 })}`),
    render: (body) => renderRanking(body.data),
    onSignedOut: () => context.signedOut('Rankings on this gateway are private: sign in to see them.'),
  });
  void fillSection(chartSection, {
    load: () => getJson(`/api/v1/rankings/series${query({ interval: 'week', count: 8, stack_by: 'origin' })}`),
    render: (body) => renderOriginChart(body.data),
    onSignedOut: () => context.signedOut('Rankings on this gateway are private: sign in to see them.'),
  });
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
    el('span', { text: `${describePeriod(result)} · total ` }),
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

function describePeriod(result) {
  const first = formatShortDate(result.current.start);
  const last = formatShortDate(previousDay(result.current.end));
  const name = { day: 'Day', week: 'Week', month: 'Month' }[result.period] ?? result.period;
  return first === last
    ? `${name} of ${first} (${result.timeZone})`
    : `${name} ${first} – ${last} (${result.timeZone})`;
}

/** The calendar day before an ISO date(-time)'s date: the last day of a period whose end is exclusive. */
function previousDay(text) {
  const [year, month, day] = String(text).slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day - 1)).toISOString().slice(0, 10);
}

function renderOriginChart(series) {
  if (!series.points.some((point) => Number(point.value) > 0)) {
    return emptyState('No tokens in the last 8 weeks yet.');
  }
  return stackedAreaChart({
    series,
    readValue: Number,
    formatValue: formatTokens,
    formatKey: formatOrigin,
    className: 'origin-chart',
    label: 'Tokens by origin country over the last 8 weeks, stacked',
  });
}
