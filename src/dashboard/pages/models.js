// Models: the catalog with prices per 1M tokens, context length and origin, and per model its endpoints with
// live uptime, latency and throughput as this node measures them.

import { getJson } from '../api.js';
import { card, cell, definitionList, el, emptyState, fillSection, table } from '../dom.js';
import {
  formatDuration,
  formatInteger,
  formatOrigin,
  formatPercent,
  formatPricePerMillion,
  formatThroughput,
} from '../format.js';
import { buildHash } from '../routes.js';

export function renderModels(page, context) {
  if (context.route.rest !== '') return renderModel(page, context, context.route.rest);
  const section = el('div');
  const filter = el('input', {
    type: 'search',
    className: 'filter',
    placeholder: 'Filter by name, id, vendor or origin',
    'aria-label': 'Filter models',
    value: context.route.params.q ?? '',
  });
  page.append(
    el('div', { className: 'page-head' }, [
      el('h1', { text: 'Models' }),
      el('p', {
        className: 'lead',
        text: 'Prices are per 1M tokens at the cheapest endpoint; open a model for its endpoints and live health.',
      }),
    ]),
    card('Catalog', [filter, section], 'models-card'),
    tryItCard(),
  );
  void fillSection(section, {
    load: () => getJson('/api/v1/models'),
    render: (body) => renderCatalog(body.data),
  });
  filter.addEventListener('input', () => applyFilter(section, filter.value));
}

function renderCatalog(models) {
  if (models.length === 0) return emptyState('No models are enabled. Set a provider key, or enable the sandbox.');
  return table(
    [
      { title: 'Model' },
      { title: 'Vendor' },
      { title: 'Origin' },
      { title: 'Context', isNumeric: true },
      { title: 'Prompt / 1M', isNumeric: true },
      { title: 'Completion / 1M', isNumeric: true },
      { title: 'Endpoints', isNumeric: true },
    ],
    models.map((model) =>
      el(
        'tr',
        {
          'data-model-id': model.id,
          'data-search': `${model.id} ${model.name} ${model.author} ${model.origin}`.toLowerCase(),
        },
        [
          el('td', { className: 'name' }, [
            el('a', { href: buildHash('models', model.id), text: model.name }),
            model.is_sandbox ? el('span', { className: 'badge sandbox', text: 'sandbox' }) : null,
            el('div', { className: 'muted mono', text: model.id }),
          ]),
          cell(model.author),
          cell(formatOrigin(model.origin)),
          cell(formatInteger(model.context_length), { className: 'num' }),
          cell(formatPricePerMillion(model.pricing.prompt), { className: 'num', 'data-field': 'prompt-price' }),
          cell(formatPricePerMillion(model.pricing.completion), { className: 'num', 'data-field': 'completion-price' }),
          cell(String(model.endpoints.length), { className: 'num' }),
        ],
      ),
    ),
    'models',
  );
}

function applyFilter(section, text) {
  const needle = text.trim().toLowerCase();
  for (const row of section.querySelectorAll('tr[data-search]')) {
    row.hidden = needle !== '' && !row.getAttribute('data-search').includes(needle);
  }
}

/** The endpoints route takes the slug's two segments as they are (the gateway's pattern allows `:` in the second). */
function endpointsPath(slug) {
  const segments = slug.split('/').map((segment) => encodeURIComponent(segment).replaceAll('%3A', ':'));
  return `/api/v1/models/${segments.join('/')}/endpoints`;
}

function renderModel(page, context, slug) {
  const section = el('div');
  const heading = el('h1', { text: slug });
  page.append(
    el('div', { className: 'page-head' }, [
      el('a', { className: 'back', href: buildHash('models'), text: '← Models' }),
      heading,
      el('p', { className: 'lead mono', text: slug }),
    ]),
    card('Endpoints', [section], 'endpoints-card'),
  );
  void fillSection(section, {
    load: () => getJson(endpointsPath(slug)),
    render: (body) => {
      heading.textContent = body.data.name;
      return renderEndpoints(body.data);
    },
    onSignedOut: () => context.signedOut('Sign in to see this model.'),
  });
}

function renderEndpoints(model) {
  const description = model.description === '' ? [] : [el('p', { text: model.description })];
  const facts = definitionList([
    ['Input', model.architecture.input_modalities.join(', '), 'input'],
    ['Output', model.architecture.output_modalities.join(', '), 'output'],
  ]);
  if (model.endpoints.length === 0) return [...description, facts, emptyState('No endpoint serves this model.')];
  const rows = model.endpoints.map((endpoint) =>
    el('tr', { 'data-provider': endpoint.tag }, [
      el('td', {}, [
        el('span', { text: endpoint.provider_name }),
        endpoint.is_sandbox ? el('span', { className: 'badge sandbox', text: 'sandbox' }) : null,
      ]),
      cell(formatPricePerMillion(endpoint.pricing.prompt), { className: 'num', 'data-field': 'prompt-price' }),
      cell(formatPricePerMillion(endpoint.pricing.completion), { className: 'num', 'data-field': 'completion-price' }),
      cell(formatPricePerMillion(endpoint.pricing.input_cache_read), { className: 'num' }),
      cell(formatInteger(endpoint.context_length), { className: 'num' }),
      cell(
        el('span', {
          className: `badge status-${endpoint.status === 0 ? 'up' : 'down'}`,
          text: describeStatus(endpoint),
        }),
      ),
      cell(formatPercent(endpoint.uptime_last_30m), { className: 'num', 'data-field': 'uptime' }),
      cell(formatDuration(endpoint.latency_last_30m?.p50), { className: 'num', 'data-field': 'latency' }),
      cell(formatThroughput(endpoint.throughput_last_30m?.p50), { className: 'num', 'data-field': 'throughput' }),
    ]),
  );
  return [
    ...description,
    facts,
    table(
      [
        { title: 'Provider' },
        { title: 'Prompt / 1M', isNumeric: true },
        { title: 'Completion / 1M', isNumeric: true },
        { title: 'Cache read / 1M', isNumeric: true },
        { title: 'Context', isNumeric: true },
        { title: 'Status' },
        { title: 'Uptime 30 min', isNumeric: true },
        { title: 'TTFT p50', isNumeric: true },
        { title: 'Throughput p50', isNumeric: true },
      ],
      rows,
      'endpoints',
    ),
    el('p', {
      className: 'muted',
      text: 'Health is measured live on this node from real calls; — means no call in the window yet.',
    }),
  ];
}

function describeStatus(endpoint) {
  if (endpoint.circuit === 'open') return 'resting (circuit open)';
  if (endpoint.circuit === 'half-open') return 'probing';
  return endpoint.status === 0 ? 'serving' : 'degraded';
}

function tryItCard() {
  const example = [
    `curl -s ${location.origin}/v1/chat/completions \\`,
    '  -H "Authorization: Bearer $MERIDIAN_KEY" -H "Content-Type: application/json" \\',
    `  -d '{"model":"meridian/sandbox-chat","messages":[{"role":"user","content":"Hello"}]}'`,
  ].join('\n');
  return card('Try it', [
    el('p', {
      text: 'Any OpenAI client works with this gateway as its base URL. Models marked sandbox are simulated: no API key needed.',
    }),
    el('pre', { className: 'code', text: example }),
  ]);
}
