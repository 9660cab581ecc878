// Activity: the signed-in org's usage (an admin may pick another org): totals of the last 30 days, tokens and
// spend per day by model, usage by model, and the latest generations with a drill-down to each.

import { getJson, query } from '../api.js';
import { stackedBarChart } from '../charts.js';
import { card, cell, el, emptyState, fillSection, table } from '../dom.js';
import { formatDateTime, formatDuration, formatInteger, formatTokens, formatUsd, readUsd } from '../format.js';
import { buildHash } from '../routes.js';
import { isAdmin } from '../session.js';

const days = 30;
const recentCount = 25;
const dayMs = 86_400_000;

/** The first UTC day the daily charts show (they end today), YYYY-MM-DD: the totals and the export cover the same days. */
function windowStart(nowMs) {
  return new Date(Math.floor(nowMs / dayMs) * dayMs - (days - 1) * dayMs).toISOString().slice(0, 10);
}

export function renderActivity(page, context) {
  // Only an admin may look at another org (the API holds a member to its own org whatever it asks).
  const orgId = isAdmin() ? (context.route.params.org ?? context.session.org_id) : context.session.org_id;
  const sections = {
    totals: el('div'),
    tokens: el('div'),
    spend: el('div'),
    models: el('div'),
    recent: el('div'),
  };
  const from = windowStart(Date.now());
  const csvLink = el('a', {
    className: 'button secondary',
    href: `/api/v1/activity${query({ group_by: 'day', org_id: orgId, from, format: 'csv' })}`,
    download: `activity-${orgId}.csv`,
    text: 'Export CSV',
  });
  page.append(
    el('div', { className: 'page-head' }, [
      el('h1', { text: 'Activity' }),
      el('p', { className: 'lead' }, ['Usage of org ', el('strong', { text: orgId }), ` over the last ${days} days.`]),
      el('div', { className: 'head-actions' }, [isAdmin() ? orgPicker(context, orgId) : null, csvLink]),
    ]),
    card('Last 30 days', [sections.totals], 'totals-card'),
    el('div', { className: 'grid-2' }, [
      card('Tokens per day, by model', [sections.tokens]),
      card('Spend per day, by model', [sections.spend]),
    ]),
    card('By model', [sections.models]),
    card('Recent generations', [sections.recent], 'recent-card'),
  );
  const onSignedOut = () => context.signedOut('Your session has ended: sign in again.');
  const orgQuery = { org_id: orgId };
  void fillSection(sections.totals, {
    load: () => getJson(`/api/v1/activity${query({ group_by: 'day', from, ...orgQuery })}`),
    render: (body) => renderTotals(body.data.total),
    onSignedOut,
  });
  for (const [measure, section, formatValue] of [
    ['total_tokens', sections.tokens, formatTokens],
    ['spend', sections.spend, formatUsd],
  ]) {
    void fillSection(section, {
      load: () =>
        getJson(
          `/api/v1/rankings/series${query({ interval: 'day', count: days, stack_by: 'model', measure, ...orgQuery })}`,
        ),
      render: (body) => renderDailyChart(body.data, measure, formatValue),
      onSignedOut,
    });
  }
  void fillSection(sections.models, {
    load: () => getJson(`/api/v1/activity${query({ group_by: 'model', from, ...orgQuery })}`),
    render: (body) => renderByModel(body.data.rows),
    onSignedOut,
  });
  void fillSection(sections.recent, {
    load: () => getJson(`/api/v1/generations${query({ limit: recentCount, ...orgQuery })}`),
    render: (body) => renderRecent(body.data),
    onSignedOut,
  });
}

/** Admins choose the org; the list comes from the admin-only orgs route. */
function orgPicker(context, orgId) {
  const select = el('select', {
    'aria-label': 'Org',
    onChange: (event) => context.navigate('activity', '', { org: event.target.value }),
  });
  select.append(el('option', { value: orgId, text: orgId, selected: true }));
  getJson('/api/v1/orgs').then(
    (body) => {
      select.replaceChildren(
        ...body.data.map((org) =>
          el('option', { value: org.id, text: `${org.name} (${org.id})`, selected: org.id === orgId }),
        ),
      );
    },
    () => {
      // The picker keeps the current org only; the sections show any real failure.
    },
  );
  return el('label', { className: 'inline-field' }, ['Org ', select]);
}

function renderTotals(total) {
  return el('div', { className: 'tiles' }, [
    tile('Requests', formatInteger(total.requests), 'requests'),
    tile('Tokens', formatTokens(total.totalTokens), 'tokens'),
    tile('Spend', formatUsd(readUsd(total.costNanos)), 'spend'),
    tile('Cached prompt tokens', formatTokens(total.cachedTokens), 'cached'),
  ]);
}

function tile(label, value, field) {
  return el('div', { className: 'tile' }, [
    el('span', { className: 'tile-label', text: label }),
    el('span', { className: 'tile-value', 'data-field': field, text: value }),
  ]);
}

function renderDailyChart(series, measure, formatValue) {
  const readValue = measure === 'spend' ? readUsd : Number;
  if (!series.points.some((point) => (readValue(point.value) ?? 0) > 0)) {
    return emptyState(measure === 'spend' ? 'No spend in the last 30 days.' : 'No tokens in the last 30 days.');
  }
  return stackedBarChart({
    series,
    readValue,
    formatValue,
    className: `daily-chart daily-${measure}`,
    label: measure === 'spend' ? 'Spend per day by model' : 'Tokens per day by model',
    // Half-width cards: a narrower drawing keeps the labels readable.
    width: 420,
  });
}

function renderByModel(rows) {
  if (rows.length === 0) return emptyState('No usage in the last 30 days.');
  return table(
    [
      { title: 'Model' },
      { title: 'Requests', isNumeric: true },
      { title: 'Prompt', isNumeric: true },
      { title: 'Completion', isNumeric: true },
      { title: 'Total tokens', isNumeric: true },
      { title: 'Spend', isNumeric: true },
    ],
    rows.map((row) =>
      el('tr', { 'data-key': row.key }, [
        cell(row.key, { 'data-field': 'model' }),
        cell(formatInteger(row.requests), { className: 'num' }),
        cell(formatTokens(row.promptTokens), { className: 'num' }),
        cell(formatTokens(row.completionTokens), { className: 'num' }),
        cell(formatTokens(row.totalTokens), { className: 'num', 'data-field': 'tokens' }),
        cell(formatUsd(readUsd(row.costNanos)), { className: 'num', 'data-field': 'spend' }),
      ]),
    ),
  );
}

function renderRecent(generations) {
  if (generations.length === 0) {
    return emptyState('No generations yet. Calls made with this org’s keys show up here as soon as they finish.');
  }
  return table(
    [
      { title: 'Time (UTC)' },
      { title: 'Model' },
      { title: 'App' },
      { title: 'Prompt', isNumeric: true },
      { title: 'Completion', isNumeric: true },
      { title: 'Cost', isNumeric: true },
      { title: 'Latency', isNumeric: true },
      { title: 'Ending' },
    ],
    generations.map((generation) =>
      el('tr', { 'data-generation-id': generation.id }, [
        cell(el('a', { href: buildHash('activity', generation.id), text: formatDateTime(generation.created_at) }), {
          className: 'nowrap',
        }),
        cell(generation.model, { 'data-field': 'model' }),
        cell(generation.app_title ?? generation.app_referer ?? '—', { 'data-field': 'app' }),
        cell(formatInteger(generation.tokens_prompt), { className: 'num', 'data-field': 'tokens-prompt' }),
        cell(formatInteger(generation.tokens_completion), { className: 'num', 'data-field': 'tokens-completion' }),
        cell(formatUsd(generation.total_cost), { className: 'num', 'data-field': 'cost' }),
        cell(formatDuration(generation.latency), { className: 'num' }),
        cell(el('span', { className: `badge ending-${generation.ending}`, text: generation.ending })),
      ]),
    ),
    'recent-generations',
  );
}
