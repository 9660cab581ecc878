import { describe, expect, it } from 'vitest';
import { createGatewayMetrics } from './create-gateway-metrics.js';
import type { UsageSample } from './create-gateway-metrics.js';
import { createMetricsRegistry } from './create-metrics-registry.js';
import { parseExposition } from './test-support.js';

const gpt = { model: 'openai/gpt-4o', provider: 'openai', origin: 'US' };
const deepseek = { model: 'deepseek/deepseek-chat', provider: 'deepseek', origin: 'CN' };

function usage(fields: Partial<UsageSample>): UsageSample {
  return {
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    costNanos: 0n,
    ...fields,
  };
}

/** Three calls: a streamed success, a JSON success, and a call whose two attempts timed out (502). */
function runScenario() {
  const registry = createMetricsRegistry();
  const metrics = createGatewayMetrics(registry);
  metrics.recordRequest({ route: 'chat', ...gpt, statusCode: 200, ending: 'success', durationMs: 1_200, ttftMs: 300 });
  metrics.recordUsage(gpt, usage({ promptTokens: 100, completionTokens: 50, cachedTokens: 20, costNanos: 1_234_567n }));
  metrics.recordRequest({
    route: 'chat',
    ...deepseek,
    statusCode: 200,
    ending: 'success',
    durationMs: 800,
    ttftMs: undefined,
  });
  metrics.recordUsage(deepseek, usage({ promptTokens: 10, completionTokens: 5, reasoningTokens: 3, costNanos: 15n }));
  metrics.recordUpstreamError('openai', 'timeout');
  metrics.recordUpstreamError('openai', 'timeout');
  metrics.recordRequest({
    route: 'messages',
    ...gpt,
    provider: undefined,
    statusCode: 504,
    ending: 'error',
    durationMs: 30_000,
    ttftMs: undefined,
  });
  metrics.recordRateLimitRefusal('requests');
  metrics.setDegraded('journal', true);
  metrics.setDegraded('redis', false);
  metrics.connect({
    circuitStates: () => [
      { endpoint: 'openai/gpt-4o', state: 'open' },
      { endpoint: 'deepseek/deepseek-chat', state: 'closed' },
      { endpoint: 'openai/gpt-4o-mini', state: 'half-open' },
    ],
    holdsInFlight: () => 2,
  });
  metrics.connect({
    generationQueueDepth: () => 5,
    journalDepth: () => 3,
    retainedRecords: () => 4,
    sharedCacheFailures: () => 7,
  });
  return registry.render();
}

describe('createGatewayMetrics', () => {
  it('renders exact counters and gauges for three calls, one failing', () => {
    const text = runScenario();
    const withoutHistograms = text
      .split('\n')
      .filter((line) => !/^meridian_(request_duration|time_to_first_token)_seconds_/.test(line))
      .join('\n');
    expect(withoutHistograms).toBe(
      [
        '# HELP meridian_circuit_state Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open.',
        '# TYPE meridian_circuit_state gauge',
        'meridian_circuit_state{endpoint="deepseek/deepseek-chat"} 0',
        'meridian_circuit_state{endpoint="openai/gpt-4o"} 2',
        'meridian_circuit_state{endpoint="openai/gpt-4o-mini"} 1',
        '# HELP meridian_degraded 1 while a component runs in degraded mode, 0 when healthy.',
        '# TYPE meridian_degraded gauge',
        'meridian_degraded{component="journal"} 1',
        'meridian_degraded{component="redis"} 0',
        '# HELP meridian_generation_queue_depth Generation records waiting for the next group commit.',
        '# TYPE meridian_generation_queue_depth gauge',
        'meridian_generation_queue_depth 5',
        '# HELP meridian_holds_in_flight Ledger holds placed and not yet posted or voided.',
        '# TYPE meridian_holds_in_flight gauge',
        'meridian_holds_in_flight 2',
        '# HELP meridian_journal_depth Generation records and settlements journaled on this node, not yet written to PostgreSQL.',
        '# TYPE meridian_journal_depth gauge',
        'meridian_journal_depth 3',
        '# HELP meridian_metric_series_folded_total Label combinations refused by a metric series cap and counted under "other" instead.',
        '# TYPE meridian_metric_series_folded_total counter',
        '# HELP meridian_rate_limit_degraded_decisions_total Rate-limit decisions taken by local limits (limit ÷ live nodes) while Redis was unusable.',
        '# TYPE meridian_rate_limit_degraded_decisions_total counter',
        '# HELP meridian_rate_limit_refusals_total Requests refused by a rate limit, by reason.',
        '# TYPE meridian_rate_limit_refusals_total counter',
        'meridian_rate_limit_refusals_total{reason="requests"} 1',
        '# HELP meridian_request_duration_seconds Time from request arrival to the last byte of the response or stream.',
        '# TYPE meridian_request_duration_seconds histogram',
        '# HELP meridian_requests_total Client requests finished, by route, model, provider, origin, status class and ending.',
        '# TYPE meridian_requests_total counter',
        'meridian_requests_total{route="chat",model="deepseek/deepseek-chat",provider="deepseek",origin="CN",status_class="2xx",ending="success"} 1',
        'meridian_requests_total{route="chat",model="openai/gpt-4o",provider="openai",origin="US",status_class="2xx",ending="success"} 1',
        'meridian_requests_total{route="messages",model="openai/gpt-4o",provider="",origin="US",status_class="5xx",ending="error"} 1',
        '# HELP meridian_response_cache_shared_failures_total Lookups (answered as misses) and stores (dropped) of the shared response cache that failed on Redis.',
        '# TYPE meridian_response_cache_shared_failures_total counter',
        'meridian_response_cache_shared_failures_total 7',
        '# HELP meridian_retained_records Generation records whose commit failed on an unwritable database, waiting to be written again.',
        '# TYPE meridian_retained_records gauge',
        'meridian_retained_records 4',
        '# HELP meridian_spend_usd_total USD charged to keys, exact to the nano-USD (the ledger unit).',
        '# TYPE meridian_spend_usd_total counter',
        'meridian_spend_usd_total{model="deepseek/deepseek-chat",provider="deepseek",origin="CN"} 0.000000015',
        'meridian_spend_usd_total{model="openai/gpt-4o",provider="openai",origin="US"} 0.001234567',
        '# HELP meridian_time_to_first_token_seconds Time from request arrival to the first output byte of a stream.',
        '# TYPE meridian_time_to_first_token_seconds histogram',
        '# HELP meridian_tokens_total Tokens metered, by kind. reasoning is part of completion, cached and cache_write are part of prompt.',
        '# TYPE meridian_tokens_total counter',
        'meridian_tokens_total{model="deepseek/deepseek-chat",provider="deepseek",origin="CN",kind="cache_write"} 0',
        'meridian_tokens_total{model="deepseek/deepseek-chat",provider="deepseek",origin="CN",kind="cached"} 0',
        'meridian_tokens_total{model="deepseek/deepseek-chat",provider="deepseek",origin="CN",kind="completion"} 5',
        'meridian_tokens_total{model="deepseek/deepseek-chat",provider="deepseek",origin="CN",kind="prompt"} 10',
        'meridian_tokens_total{model="deepseek/deepseek-chat",provider="deepseek",origin="CN",kind="reasoning"} 3',
        'meridian_tokens_total{model="openai/gpt-4o",provider="openai",origin="US",kind="cache_write"} 0',
        'meridian_tokens_total{model="openai/gpt-4o",provider="openai",origin="US",kind="cached"} 20',
        'meridian_tokens_total{model="openai/gpt-4o",provider="openai",origin="US",kind="completion"} 50',
        'meridian_tokens_total{model="openai/gpt-4o",provider="openai",origin="US",kind="prompt"} 100',
        'meridian_tokens_total{model="openai/gpt-4o",provider="openai",origin="US",kind="reasoning"} 0',
        '# HELP meridian_upstream_errors_total Failed upstream attempts, by provider and failure class.',
        '# TYPE meridian_upstream_errors_total counter',
        'meridian_upstream_errors_total{provider="openai",class="timeout"} 2',
        '',
      ].join('\n'),
    );
  });

  it('observes durations in seconds by route and provider, and TTFT only for streams with output', () => {
    const text = runScenario();
    const lines = text.split('\n');
    const durationLines = lines.filter((line) => line.startsWith('meridian_request_duration_seconds_'));
    expect(durationLines.filter((line) => !line.includes('_bucket'))).toEqual([
      'meridian_request_duration_seconds_sum{route="chat",provider="deepseek"} 0.8',
      'meridian_request_duration_seconds_count{route="chat",provider="deepseek"} 1',
      'meridian_request_duration_seconds_sum{route="chat",provider="openai"} 1.2',
      'meridian_request_duration_seconds_count{route="chat",provider="openai"} 1',
      'meridian_request_duration_seconds_sum{route="messages",provider=""} 30',
      'meridian_request_duration_seconds_count{route="messages",provider=""} 1',
    ]);
    expect(durationLines).toContain(
      'meridian_request_duration_seconds_bucket{route="chat",provider="openai",le="1"} 0',
    );
    expect(durationLines).toContain(
      'meridian_request_duration_seconds_bucket{route="chat",provider="openai",le="2.5"} 1',
    );
    expect(durationLines).toContain('meridian_request_duration_seconds_bucket{route="messages",provider="",le="30"} 1');
    expect(durationLines.filter((line) => line.includes('le='))).toHaveLength(3 * 16);
    expect(lines.filter((line) => line.startsWith('meridian_time_to_first_token_seconds_'))).toEqual([
      ...['0.005', '0.01', '0.025', '0.05', '0.1', '0.25'].map(
        (le) => `meridian_time_to_first_token_seconds_bucket{route="chat",provider="openai",le="${le}"} 0`,
      ),
      ...['0.5', '1', '2.5', '5', '10', '30', '60', '+Inf'].map(
        (le) => `meridian_time_to_first_token_seconds_bucket{route="chat",provider="openai",le="${le}"} 1`,
      ),
      'meridian_time_to_first_token_seconds_sum{route="chat",provider="openai"} 0.3',
      'meridian_time_to_first_token_seconds_count{route="chat",provider="openai"} 1',
    ]);
    expect(() => parseExposition(text)).not.toThrow();
  });

  it('renders scrape-time gauges without samples until their source is connected', () => {
    const registry = createMetricsRegistry();
    createGatewayMetrics(registry);
    const families = parseExposition(registry.render());
    expect(families.get('meridian_holds_in_flight')).toEqual({
      help: 'Ledger holds placed and not yet posted or voided.',
      type: 'gauge',
      samples: [],
    });
    expect(families.get('meridian_circuit_state')?.samples).toEqual([]);
  });

  it('bounds a flood of made-up model names and reports the folding', () => {
    const registry = createMetricsRegistry();
    const metrics = createGatewayMetrics(registry);
    for (let index = 0; index < 3_000; index += 1) {
      metrics.recordUsage({ model: `made-up-${index}`, provider: 'p', origin: 'US' }, usage({ costNanos: 1n }));
    }
    const families = parseExposition(registry.render());
    const spend = families.get('meridian_spend_usd_total')!.samples;
    expect(spend).toHaveLength(2_001);
    expect(spend.find((sample) => sample.labels['model'] === 'other')).toEqual({
      name: 'meridian_spend_usd_total',
      labels: { model: 'other', provider: 'other', origin: 'other' },
      value: '0.000001000',
    });
    expect(families.get('meridian_metric_series_folded_total')!.samples).toEqual([
      { name: 'meridian_metric_series_folded_total', labels: { metric: 'meridian_spend_usd_total' }, value: '1000' },
      { name: 'meridian_metric_series_folded_total', labels: { metric: 'meridian_tokens_total' }, value: '11000' },
    ]);
  });
});
