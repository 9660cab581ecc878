import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import { readAttributes, startFakeOtlpCollector } from '../support/fake-otlp-collector.js';
import type { FakeOtlpCollector } from '../support/fake-otlp-collector.js';
import { postChat } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Traces from the real built gateway: `observability.traces.otlp_endpoint` points at a fake OTLP/HTTP collector on
 * 127.0.0.1; after a JSON and a streamed chat call, a SIGTERM flushes the queued spans (the batch delay is longer
 * than the test), and the collector holds the exact span trees.
 */

const memberKey = 'test-member-key-0123456789abcdef';
let fake: FakeUpstream;
let collector: FakeOtlpCollector;
let gateway: GatewayProcess;

function config(fakeBaseUrl: string, collectorUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "test-admin-key-0123456789abcdef" }
sandbox: { enabled: false }
observability: { traces: { otlp_endpoint: "${collectorUrl}", service_name: meridian-e2e, sample_ratio: 1 } }
orgs: [{ id: default, credits: "10.00" }]
keys: [{ org: default, name: traces, key: "${memberKey}" }]
providers:
  - { id: fake-traced, protocol: openai, base_url: "${fakeBaseUrl}", api_key: "fake-traced-secret-0123456789" }
models:
  - id: test/traced
    name: Traced
    author: test
    origin: US
    context_length: 131072
    endpoints: [{ provider: fake-traced, model: traced-upstream, pricing: { prompt: "1.00", completion: "2.00" } }]
`;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  collector = await startFakeOtlpCollector();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl, collector.url) });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
  await collector.close();
});

async function chat(isStreaming: boolean): Promise<{ requestId: string; generationId: string; text: string }> {
  const response = await postChat(gateway.url, memberKey, {
    model: 'test/traced',
    messages: [{ role: 'user', content: 'trace me' }],
    max_tokens: 16,
    stream: isStreaming,
  });
  expect(response.status).toBe(200);
  return {
    requestId: response.headers.get('x-request-id')!,
    generationId: response.headers.get('x-meridian-generation-id')!,
    text: await response.text(),
  };
}

describe('OpenTelemetry traces from the built gateway', () => {
  it('exports every call as a span tree over OTLP/HTTP JSON, flushed on SIGTERM', async () => {
    const usage = { input: 6, cached: 0, output: 3, reasoning: 0 };
    fake.enqueue(completeScript('openai', { text: ['Hello'], usage }));
    const json = await chat(false);
    fake.enqueue(streamScript('openai', { text: ['Hel', 'lo'], usage }));
    const streamed = await chat(true);
    expect(streamed.text).toContain('data: [DONE]');
    await gateway.stop();

    expect(collector.requests.length).toBeGreaterThan(0);
    expect(new Set(collector.requests.map((request) => [request.path, request.contentType].join(' ')))).toEqual(
      new Set(['/v1/traces application/json']),
    );
    const spans = collector.spans();
    expect(spans.map((span) => [span.name, span.kind, span.serviceName])).toEqual([
      ['meridian.settle', 1, 'meridian-e2e'],
      ['chat traced-upstream', 3, 'meridian-e2e'],
      ['chat test/traced', 2, 'meridian-e2e'],
      ['meridian.settle', 1, 'meridian-e2e'],
      ['chat traced-upstream', 3, 'meridian-e2e'],
      ['chat test/traced', 2, 'meridian-e2e'],
    ]);
    for (const [index, call] of [json, streamed].entries()) {
      const [settle, attempt, root] = spans.slice(index * 3, index * 3 + 3);
      expect(new Set([settle!.traceId, attempt!.traceId])).toEqual(new Set([root!.traceId]));
      expect([settle!.parentSpanId, attempt!.parentSpanId, root!.parentSpanId]).toEqual([
        root!.spanId,
        root!.spanId,
        undefined,
      ]);
      const isStreaming = index === 1;
      expect(readAttributes(root!)).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'test/traced',
        'gen_ai.request.max_tokens': 16,
        'meridian.request_id': call.requestId,
        'meridian.streaming': isStreaming,
        'gen_ai.provider.name': 'fake-traced',
        'gen_ai.response.model': 'test/traced',
        'gen_ai.response.id': call.generationId,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 6,
        'gen_ai.usage.output_tokens': 3,
        'meridian.ending': 'success',
      });
      expect(readAttributes(attempt!)).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'fake-traced',
        'gen_ai.request.model': 'traced-upstream',
        'gen_ai.request.max_tokens': 16,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(fake.baseUrl).port),
        'meridian.model': 'test/traced',
        'meridian.attempt': 1,
        'gen_ai.response.id': 'chatcmpl-fake',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 6,
        'gen_ai.usage.output_tokens': 3,
        'meridian.ending': 'success',
      });
      expect(readAttributes(settle!)).toEqual({
        'gen_ai.usage.input_tokens': 6,
        'gen_ai.usage.output_tokens': 3,
        'meridian.usage_estimated': false,
        'meridian.ending': 'success',
        'meridian.generation_id': call.generationId,
        // 6 × 1.00 + 3 × 2.00 USD per 1M tokens = 6 000 + 6 000 nano-USD.
        'meridian.charge_nanos': 12_000,
      });
    }
  });
});

describe('an unconfigured gateway', () => {
  it('loads no OpenTelemetry SDK module: only the API', async () => {
    const distTracing = fileURLToPath(new URL('../../dist/observability/index.js', import.meta.url));
    // Each run reports the CommonJS modules Node loaded under @opentelemetry/ (the SDK packages are CommonJS).
    const script = `
      import { createRequire } from 'node:module';
      const { createLogger, resolveTracesConfig, startTracing } = await import(${JSON.stringify(distTracing)});
      const log = createLogger({ level: 'silent' });
      const loaded = () => [...new Set(Object.keys(createRequire(import.meta.url).cache)
        .map((path) => /node_modules\\/(@opentelemetry\\/[^/]+)\\//.exec(path)?.[1]).filter(Boolean))].sort();
      const off = await startTracing(resolveTracesConfig(undefined, {}), log);
      const before = loaded();
      const on = await startTracing({ otlpEndpoint: 'http://127.0.0.1:9/v1/traces', serviceName: 'x', sampleRatio: 1 }, log);
      const after = loaded();
      await on.shutdown();
      process.stdout.write(JSON.stringify({ isEnabled: off.isEnabled, before, after }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
    });
    const report = JSON.parse(stdout) as { isEnabled: boolean; before: string[]; after: string[] };
    expect(report.isEnabled).toBe(false);
    expect(report.before).toEqual(['@opentelemetry/api']);
    expect(report.after).toEqual(
      expect.arrayContaining([
        '@opentelemetry/api',
        '@opentelemetry/exporter-trace-otlp-http',
        '@opentelemetry/resources',
        '@opentelemetry/sdk-trace-base',
      ]),
    );
  });
});
