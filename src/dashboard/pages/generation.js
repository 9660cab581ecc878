// One generation (drill-down from Activity): every field of `GET /api/v1/generation?id=`, formatted.

import { getJson, query } from '../api.js';
import { card, definitionList, el, fillSection } from '../dom.js';
import { formatDateTime, formatDuration, formatInteger, formatThroughput, formatUsd } from '../format.js';
import { buildHash } from '../routes.js';

export function renderGeneration(page, context) {
  const id = context.route.rest;
  const section = el('div');
  page.append(
    el('div', { className: 'page-head' }, [
      el('a', { className: 'back', href: buildHash('activity', '', context.route.params), text: '← Activity' }),
      el('h1', { text: 'Generation' }),
      el('p', { className: 'lead mono', text: id }),
    ]),
    card('Details', [section], 'generation-card'),
  );
  void fillSection(section, {
    load: () => getJson(`/api/v1/generation${query({ id })}`),
    render: (body) => renderDetails(body.data),
    onSignedOut: () => context.signedOut('Your session has ended: sign in again.'),
  });
}

function renderDetails(generation) {
  const yesNo = (value) => (value ? 'yes' : 'no');
  const streamedOnly = (text) => (generation.streamed ? text : '— (not streamed)');
  return definitionList([
    ['Generation id', generation.id, 'id'],
    ['Created', formatDateTime(generation.created_at), 'created'],
    ['Model', generation.model, 'model'],
    ['Vendor · origin', `${generation.author} · ${generation.origin}`, 'author'],
    ['Provider', generation.provider_name, 'provider'],
    ['Upstream model', generation.upstream_model, 'upstream-model'],
    ['App', generation.app_title ?? generation.app_referer ?? '—', 'app'],
    ['Key', generation.key_id, 'key'],
    ['Prompt tokens', formatInteger(generation.tokens_prompt), 'tokens-prompt', generation.tokens_prompt],
    [
      'Completion tokens',
      formatInteger(generation.tokens_completion),
      'tokens-completion',
      generation.tokens_completion,
    ],
    ['Reasoning tokens', formatInteger(generation.native_tokens_reasoning), 'tokens-reasoning'],
    ['Cached prompt tokens', formatInteger(generation.native_tokens_cached), 'tokens-cached'],
    [
      'Usage',
      generation.usage_estimated ? 'estimated (the provider reported none)' : 'reported by the provider',
      'usage',
    ],
    ['Cost', formatUsd(generation.total_cost), 'cost', generation.cost_nanos],
    ['Upstream cost', formatUsd(generation.upstream_inference_cost), 'upstream-cost', generation.upstream_cost_nanos],
    ['Latency', formatDuration(generation.latency), 'latency'],
    // A JSON answer reaches the client whole: it has no first token, so none of the timings measured from one.
    ['Time to first token', streamedOnly(formatDuration(generation.time_to_first_token)), 'ttft'],
    ['Generation time', streamedOnly(formatDuration(generation.generation_time)), 'generation-time'],
    ['Throughput', streamedOnly(formatThroughput(generation.throughput)), 'throughput'],
    ['Streamed', yesNo(generation.streamed), 'streamed'],
    ['Finish reason', generation.finish_reason ?? '—', 'finish-reason'],
    ['Ending', generation.ending, 'ending'],
    ['Error', generation.error_code ?? '—', 'error'],
  ]);
}
