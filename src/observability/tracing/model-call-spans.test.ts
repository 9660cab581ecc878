import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../../../test/fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../../../test/fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../../../test/fake-upstream/protocol-scripts.js';
import { startGateway } from '../../cli/start-gateway.js';
import type { RunningGateway } from '../../cli/start-gateway.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../create-logger.js';
import { setTracerProvider } from './start-span.js';

/**
 * The pipeline's spans, in process: a gateway in front of two fake providers, an in-memory exporter. Each case
 * asserts the exact span tree (names, kinds, parents) and every attribute.
 */

const memberKey = 'test-member-key-0123456789abcdef';
const prompt = 'a prompt that must never be an attribute';
const exporter = new InMemorySpanExporter();
let providerA: FakeUpstream;
let providerB: FakeUpstream;
let gateway: RunningGateway;
let directory: string;

function config(aBaseUrl: string, bBaseUrl: string): string {
  const provider = (id: string, url: string) =>
    `  - { id: ${id}, protocol: openai, base_url: "${url}", api_key: "${id}-secret-0123456789" }\n`;
  const endpoint = (id: string, prompt: string) =>
    `      - { provider: ${id}, model: upstream-${id}, pricing: { prompt: "${prompt}", completion: "2.00" } }\n`;
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:${directory}/meridian.db" }
data_dir: "${directory}"
admin: { key: "test-admin-key-0123456789abcdef" }
sandbox: { enabled: false }
orgs: [{ id: default, credits: "10.00" }]
keys: [{ org: default, name: spans, key: "${memberKey}" }]
providers:
${provider('fake-a', aBaseUrl)}${provider('fake-b', bBaseUrl)}models:
  - id: test/spans
    name: Spans
    author: test
    origin: US
    context_length: 131072
    endpoints:
${endpoint('fake-a', '1.00')}${endpoint('fake-b', '3.00')}`;
}

beforeAll(async () => {
  setTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  providerA = await createFakeUpstream();
  providerB = await createFakeUpstream();
  directory = mkdtempSync(join(tmpdir(), 'meridian-spans-'));
  writeFileSync(join(directory, 'meridian.yaml'), config(providerA.baseUrl, providerB.baseUrl));
  gateway = await startGateway({
    loaded: loadConfig({ path: join(directory, 'meridian.yaml'), env: {}, cwd: directory }),
    env: {},
    log: createLogger({ level: 'silent' }),
    print: () => undefined,
  });
});

afterAll(async () => {
  setTracerProvider(undefined);
  await gateway.close();
  await providerA.close();
  await providerB.close();
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  exporter.reset();
  providerA.reset();
  providerB.reset();
});

const usage = { input: 5, cached: 0, output: 2, reasoning: 0 };

function chat(body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'test/spans',
      messages: [{ role: 'user', content: prompt }],
      max_tokens: 20,
      provider: { sort: 'price' },
      ...body,
    }),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** The finished spans once the call's own span has ended (bounded wait: spans end as the response closes). */
async function finishedCallSpans(count: number): Promise<ReadableSpan[]> {
  for (let turn = 0; turn < 200 && exporter.getFinishedSpans().length < count; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return exporter.getFinishedSpans();
}

/** Name, kind, parent's name, status and attributes: the whole of a span the tests pin. */
function describeSpans(spans: readonly ReadableSpan[]) {
  const names = new Map(spans.map((span) => [span.spanContext().spanId, span.name]));
  const traceIds = new Set(spans.map((span) => span.spanContext().traceId));
  expect(traceIds.size).toBe(1);
  const everything = JSON.stringify(spans.map((span) => [span.name, span.attributes, span.events, span.status]));
  for (const secret of [prompt, memberKey, 'fake-a-secret', 'fake-b-secret']) expect(everything).not.toContain(secret);
  return spans.map((span) => ({
    name: span.name,
    kind: span.kind,
    parent: span.parentSpanContext === undefined ? undefined : names.get(span.parentSpanContext.spanId),
    status: span.status.code,
    attributes: span.attributes,
  }));
}

const portOf = (baseUrl: string): number => Number(new URL(baseUrl).port);

function attemptStart(id: 'fake-a' | 'fake-b', attempt: number, baseUrl: string) {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': id,
    'gen_ai.request.model': `upstream-${id}`,
    'gen_ai.request.max_tokens': 20,
    'server.address': '127.0.0.1',
    'server.port': portOf(baseUrl),
    'meridian.model': 'test/spans',
    'meridian.attempt': attempt,
  };
}

function callStart(requestId: string, isStreaming: boolean) {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'test/spans',
    'gen_ai.request.max_tokens': 20,
    'meridian.request_id': requestId,
    'meridian.streaming': isStreaming,
  };
}

describe('model-call spans', () => {
  it('a success: the call (SERVER), one attempt (CLIENT) and the settlement, with usage and the exact charge', async () => {
    // Spans are listed as they end: the settlement (the record commits before the answer), the attempt, the call.
    providerA.enqueue(completeScript('openai', { text: ['Hello'], usage }));
    const response = await chat({});
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string };
    const requestId = response.headers.get('x-request-id')!;
    const spans = describeSpans(await finishedCallSpans(3));
    expect(spans).toEqual([
      {
        name: 'meridian.settle',
        kind: SpanKind.INTERNAL,
        parent: 'chat test/spans',
        status: SpanStatusCode.UNSET,
        attributes: {
          'gen_ai.usage.input_tokens': 5,
          'gen_ai.usage.output_tokens': 2,
          'meridian.usage_estimated': false,
          'meridian.ending': 'success',
          'meridian.generation_id': body.id,
          // 5 × 1.00 USD/M + 2 × 2.00 USD/M = 5 000 + 4 000 nano-USD.
          'meridian.charge_nanos': 9_000,
        },
      },
      {
        name: 'chat upstream-fake-a',
        kind: SpanKind.CLIENT,
        parent: 'chat test/spans',
        status: SpanStatusCode.UNSET,
        attributes: {
          ...attemptStart('fake-a', 1, providerA.baseUrl),
          'gen_ai.response.id': 'chatcmpl-fake',
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': 5,
          'gen_ai.usage.output_tokens': 2,
          'meridian.ending': 'success',
        },
      },
      {
        name: 'chat test/spans',
        kind: SpanKind.SERVER,
        parent: undefined,
        status: SpanStatusCode.UNSET,
        attributes: {
          ...callStart(requestId, false),
          'gen_ai.provider.name': 'fake-a',
          'gen_ai.response.model': 'test/spans',
          'gen_ai.response.id': body.id,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': 5,
          'gen_ai.usage.output_tokens': 2,
          'meridian.ending': 'success',
        },
      },
    ]);
  });

  it('a failover: two attempt spans, the first failed with its error.type, the second serving', async () => {
    providerA.enqueue({ kind: 'error', status: 503, body: '{"error":{"message":"overloaded"}}' });
    providerB.enqueue(completeScript('openai', { text: ['Hi'], usage }));
    const response = await chat({});
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string };
    const spans = describeSpans(await finishedCallSpans(4));
    expect(spans.map((span) => [span.name, span.parent, span.status])).toEqual([
      ['chat upstream-fake-a', 'chat test/spans', SpanStatusCode.ERROR],
      ['meridian.settle', 'chat test/spans', SpanStatusCode.UNSET],
      ['chat upstream-fake-b', 'chat test/spans', SpanStatusCode.UNSET],
      ['chat test/spans', undefined, SpanStatusCode.UNSET],
    ]);
    expect(spans[0]!.attributes).toEqual({
      ...attemptStart('fake-a', 1, providerA.baseUrl),
      'error.type': 'upstream_error',
    });
    expect(spans[2]!.attributes).toEqual({
      ...attemptStart('fake-b', 2, providerB.baseUrl),
      'gen_ai.response.id': 'chatcmpl-fake',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 2,
      'meridian.ending': 'success',
    });
    // 5 × 3.00 USD/M + 2 × 2.00 USD/M at fake-b's price.
    expect(spans[1]!.attributes['meridian.charge_nanos']).toBe(19_000);
    expect(spans[3]!.attributes['gen_ai.provider.name']).toBe('fake-b');
    expect(spans[3]!.attributes['gen_ai.response.id']).toBe(body.id);
  });

  it('a client abort mid-stream: ending client_abort everywhere, no error status, billed for what was delivered', async () => {
    const stream = streamScript('openai', { text: ['one ', 'two ', 'three'], usage });
    providerA.enqueue({ ...stream, holdAfter: 2 } as typeof stream);
    const abort = new AbortController();
    const response = await chat({ stream: true }, abort.signal);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const generationId = response.headers.get('x-meridian-generation-id')!;
    await response.body!.getReader().read();
    await providerA.waitForHold();
    abort.abort();
    const spans = describeSpans(await finishedCallSpans(3));
    expect(spans).toEqual([
      {
        name: 'meridian.settle',
        kind: SpanKind.INTERNAL,
        parent: 'chat test/spans',
        status: SpanStatusCode.UNSET,
        attributes: {
          // No usage came from the provider: the prompt and the delivered "one " are counted locally.
          'gen_ai.usage.input_tokens': 15,
          'gen_ai.usage.output_tokens': 2,
          'meridian.usage_estimated': true,
          'meridian.ending': 'client_abort',
          'meridian.generation_id': generationId,
          // 15 × 1 000 + 2 × 2 000 nano-USD: the prompt and what was delivered.
          'meridian.charge_nanos': 19_000,
        },
      },
      {
        name: 'chat upstream-fake-a',
        kind: SpanKind.CLIENT,
        parent: 'chat test/spans',
        status: SpanStatusCode.UNSET,
        attributes: {
          ...attemptStart('fake-a', 1, providerA.baseUrl),
          'gen_ai.response.id': 'chatcmpl-fake',
          'meridian.ending': 'client_abort',
        },
      },
      {
        name: 'chat test/spans',
        kind: SpanKind.SERVER,
        parent: undefined,
        status: SpanStatusCode.UNSET,
        attributes: {
          ...callStart(requestId, true),
          'gen_ai.provider.name': 'fake-a',
          'gen_ai.response.model': 'test/spans',
          'gen_ai.response.id': generationId,
          'meridian.ending': 'client_abort',
        },
      },
    ]);
  });

  it('no provider installed: the same calls produce no span', async () => {
    setTracerProvider(undefined);
    try {
      providerA.enqueue(completeScript('openai', { text: ['Hello'], usage }));
      expect((await chat({})).status).toBe(200);
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      setTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    }
  });
});
