import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { completeScript, streamScript } from '../fake-upstream/protocol-scripts.js';
import type { ModelScript } from '../fake-upstream/protocol-scripts.js';
import { createMemberKey, postChat, readGeneration } from '../support/gateway-config.js';
import { createFailoverConfig } from '../support/failover-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Fallback before the first byte, never after: endpoint A (cheaper, tried first)
 * fails in every way RELIABILITY.md lists; B serves; the customer pays once, at B's
 * price; A's failure shows in its health. Every call is bounded in time.
 */

let a: FakeUpstream;
let b: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let key: string;

beforeAll(async () => {
  a = await createFakeUpstream();
  b = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: createFailoverConfig(a.baseUrl, b.baseUrl) });
  key = (await createMemberKey(gateway.url, 'failover')).key;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await Promise.all([a.close(), b.close()]);
});

afterEach(() => {
  a.reset();
  b.reset();
});

/** A fresh gateway: the tests above leave A with enough failures in its window to open its circuit. */
async function restartGateway(keyName: string, adjust: (yaml: string) => string = (yaml) => yaml): Promise<void> {
  await gateway.stop();
  gateway.cleanup();
  gateway = await startGatewayProcess({ configYaml: adjust(createFailoverConfig(a.baseUrl, b.baseUrl)) });
  key = (await createMemberKey(gateway.url, keyName)).key;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0, timeout: 10_000 });
}

const answer: ModelScript = { text: ['Served.'], usage: { input: 100, cached: 0, output: 10, reasoning: 0 } };
/** B's price: 100 × 3.00 + 10 × 2.00 per 1M tokens = 320 µUSD. */
const costAtB = 0.00032;
const request = {
  model: 'test/failover',
  messages: [{ role: 'user' as const, content: 'hi' }],
  provider: { sort: 'price' },
};

async function callJson(extra: Record<string, unknown> = {}) {
  const startedAt = Date.now();
  const { data, response } = await client.chat.completions.create({ ...request, ...extra } as never).withResponse();
  return { completion: data, response, elapsedMs: Date.now() - startedAt };
}

describe('fallback before the first byte', () => {
  it.each([
    ['503', { kind: 'error', status: 503, body: '{"error":{"message":"overloaded"}}' }],
    ['reset before headers', { kind: 'reset-before-headers' }],
    ['a body that is not JSON', { kind: 'raw', status: 200, contentType: 'application/json', body: '<html>' }],
  ] as const)('A fails with %s → B serves, charged once at B’s price', async (_name, failure) => {
    a.enqueue(failure);
    b.enqueue(completeScript('openai', answer));
    const { completion, response, elapsedMs } = await callJson();
    expect(completion.choices[0]!.message.content).toBe('Served.');
    expect(response.headers.get('x-meridian-provider')).toBe('fake-b');
    expect(response.headers.get('x-meridian-attempts')).toBe('2');
    expect((completion.usage as unknown as { cost: number }).cost).toBe(costAtB);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(3_000);
    const generation = await readGeneration(gateway.url, key, completion.id);
    expect(generation).toMatchObject({ provider_name: 'fake-b', total_cost: costAtB });
  });

  it('A hangs before the first byte of a stream → B serves within the deadline', async () => {
    a.enqueue({ kind: 'hang' });
    b.enqueue(streamScript('openai', answer));
    const startedAt = Date.now();
    const stream = await client.chat.completions.create({ ...request, stream: true } as never);
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Served.');
    // A's first-byte timeout is 400 ms; the call's deadline is 3 s.
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(b.received).toHaveLength(1);
  });

  it('A answers 200 then an error event as its first frame (stream) → B serves the stream', async () => {
    a.enqueue({ kind: 'sse', frames: ['data: {"error":{"message":"model overloaded","code":"overloaded"}}\n\n'] });
    b.enqueue(streamScript('openai', answer));
    const stream = await client.chat.completions.create({ ...request, stream: true } as never);
    let text = '';
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Served.');
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
  });

  it('never falls back with allow_fallbacks: false', async () => {
    a.enqueue({ kind: 'error', status: 503, body: '{"error":{"message":"overloaded"}}' });
    const error = await callJson({ provider: { sort: 'price', allow_fallbacks: false } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(b.received).toHaveLength(0);
  });

  it('does not fall back on the client’s own mistake (400 from A)', async () => {
    a.enqueue({ kind: 'error', status: 400, body: '{"error":{"message":"bad tool schema"}}' });
    const error = await callJson().catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect(b.received).toHaveLength(0);
  });

  it('gives up at the deadline when every endpoint hangs (a JSON answer may take until the deadline)', async () => {
    a.enqueue({ kind: 'hang' });
    b.enqueue({ kind: 'hang' });
    const startedAt = Date.now();
    const error = await callJson().catch((caught: unknown) => caught);
    const elapsedMs = Date.now() - startedAt;
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_timeout');
    // The 3 s deadline bounds every attempt together.
    expect(elapsedMs).toBeGreaterThanOrEqual(2_900);
    expect(elapsedMs).toBeLessThan(3_500);
  });
});

describe('after output started', () => {
  it('ends the stream in-band with finish_reason "error", no fallback, charged for what was delivered', async () => {
    a.enqueue({
      kind: 'reset-mid-stream',
      frames: [
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Partial answer' }, finish_reason: null }] })}\n\n`,
      ],
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('"finish_reason":"error"');
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(b.received).toHaveLength(0);
    const generation = await readGeneration(gateway.url, key, response.headers.get('x-meridian-generation-id')!);
    // "Partial answer" = 2 o200k tokens, counted because the cut stream reported no usage.
    expect(generation).toMatchObject({
      ending: 'upstream_error_after_output',
      provider_name: 'fake-a',
      tokens_completion: 2,
      usage_estimated: true,
    });
  });
});

describe('more stream faults', () => {
  const firstChunk = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Partial answer' }, finish_reason: null }] })}\n\n`;

  it('malformed SSE before any output → B serves', async () => {
    a.enqueue({ kind: 'sse', frames: ['data: {"choices": [ not json\n\n'] });
    b.enqueue(streamScript('openai', answer));
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    expect(response.headers.get('x-meridian-provider')).toBe('fake-b');
    expect(await response.text()).toContain('Served.');
  });

  it('an upstream that stalls mid-stream past its idle timeout ends the stream in-band, bounded in time', async () => {
    a.enqueue({ kind: 'sse', frames: [firstChunk, firstChunk], frameDelayMs: 2_000 });
    const startedAt = Date.now();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    const body = await response.text();
    // Idle timeout 400 ms, not the 2 s stall.
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(body).toContain('"finish_reason":"error"');
    expect(body).toContain('upstream_timeout');
    expect(b.received).toHaveLength(0);
  });
});

describe('rate limits', () => {
  it('429 with Retry-After: 2 → B serves, and A gets no traffic for 2 s', async () => {
    await restartGateway('rate-limits');
    a.enqueue({
      kind: 'error',
      status: 429,
      body: '{"error":{"message":"slow down"}}',
      headers: { 'retry-after': '2' },
    });
    b.enqueue(completeScript('openai', answer));
    const first = await callJson();
    expect(first.response.headers.get('x-meridian-provider')).toBe('fake-b');
    const limitedAt = a.received[0]!.atMs;
    b.enqueue(completeScript('openai', answer));
    const second = await callJson();
    expect(second.response.headers.get('x-meridian-provider')).toBe('fake-b');
    expect(a.received).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, limitedAt + 2_050 - Date.now())));
    a.enqueue(completeScript('openai', answer));
    const third = await callJson();
    expect(third.response.headers.get('x-meridian-provider')).toBe('fake-a');
    expect(a.received[1]!.atMs - limitedAt).toBeGreaterThanOrEqual(2_000);
  });
});

describe('a rate limit worded like a context overflow', () => {
  it('A answers 429 "too many tokens processed" (Cerebras) → a rate limit: A rests, B serves', async () => {
    await restartGateway('tokens-per-minute');
    a.enqueue({
      kind: 'error',
      status: 429,
      body: '{"message":"Tokens per minute limit exceeded - too many tokens processed.","type":"too_many_tokens_error","param":"quota","code":"token_quota_exceeded"}',
      headers: { 'retry-after': '60' },
    });
    b.enqueue(completeScript('openai', answer));
    const { completion, response } = await callJson();
    expect(completion.choices[0]!.message.content).toBe('Served.');
    expect([response.headers.get('x-meridian-provider'), response.headers.get('x-meridian-attempts')]).toEqual([
      'fake-b',
      '2',
    ]);
    const endpoints = (await (await fetch(`${gateway.url}/api/v1/models/test/failover/endpoints`)).json()) as {
      data: { endpoints: Record<string, unknown>[] };
    };
    expect(endpoints.data.endpoints[0]).toMatchObject({ tag: 'fake-a', status: -1 });
  });
});

describe('every candidate resting', () => {
  it('tells the client the wait of the endpoint free soonest, not of the first in the plan', async () => {
    await restartGateway('all-resting');
    // A (first by price) asks for a pause past the 300 s cap, B for 30 s.
    a.enqueue({ kind: 'error', status: 429, body: '{"error":{"message":"slow"}}', headers: { 'retry-after': '9999' } });
    b.enqueue({ kind: 'error', status: 429, body: '{"error":{"message":"slow"}}', headers: { 'retry-after': '30' } });
    const first = (await callJson().catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect([first.status, first.code, first.headers?.get('retry-after')]).toEqual([429, 'upstream_rate_limited', '30']);
    const resting = (await callJson().catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect([resting.status, resting.code]).toEqual([429, 'upstream_rate_limited']);
    expect(resting.message).toContain('Provider fake-b is resting');
    const retryAfter = Number(resting.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
  });
});

describe('attempt count', () => {
  it('counts the upstream attempts made, not the resting candidates skipped before the serving one', async () => {
    // test/solo is served by A alone; test/second (a fallback model) by B.
    const models = `
  - id: test/solo
    name: Solo
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-a
        model: upstream-solo
        pricing: { prompt: "1.00", completion: "2.00" }
  - id: test/second
    name: Second
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-b
        model: upstream-second
        pricing: { prompt: "3.00", completion: "2.00" }
`;
    await restartGateway('attempt-count', (yaml) => yaml + models);
    a.enqueue({ kind: 'error', status: 429, body: '{"error":{"message":"slow"}}', headers: { 'retry-after': '60' } });
    const limited = (await callJson({ model: 'test/solo' }).catch((caught: unknown) => caught)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect([limited.status, limited.code]).toEqual([429, 'upstream_rate_limited']);
    b.enqueue(completeScript('openai', answer));
    const { completion, response } = await callJson({ model: 'test/solo', models: ['test/second'] });
    expect([completion.model, response.headers.get('x-meridian-provider')]).toEqual(['test/second', 'fake-b']);
    expect(response.headers.get('x-meridian-attempts')).toBe('1');
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
  });
});

describe('client disconnect', () => {
  it('closes the upstream request at once (not at a timeout) and records what was delivered', async () => {
    // Idle timeouts of a minute: only the client's abort can close the held upstream stream within the bound below.
    await restartGateway('disconnect', (yaml) => yaml.replaceAll('idle_ms: 400', 'idle_ms: 60000'));
    a.enqueue({
      kind: 'sse',
      frames: [
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello there' }, finish_reason: null }] })}\n\n`,
      ],
      holdAfter: 1,
    });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    await a.waitForHold();
    const abortedAt = Date.now();
    controller.abort();
    await a.waitForClientClose();
    // A liveness bound far below the idle timeout, not a speed target (no timing assertions): a loaded machine passes.
    expect(a.clientClosedAtMs.at(-1)! - abortedAt).toBeLessThan(10_000);
    const generationId = response.headers.get('x-meridian-generation-id')!;
    await expect
      .poll(async () => (await readGeneration(gateway.url, key, generationId))['tokens_completion'], { timeout: 2_000 })
      .toBe(2);
  });
});

describe('circuit breaking and the endpoints API', () => {
  it('opens A’s circuit after repeated failures (not after one), then routes straight to B', async () => {
    await restartGateway('breaker');
    for (let index = 0; index < 10; index += 1) {
      a.enqueue({ kind: 'error', status: 503, body: '{"error":{"message":"down"}}' });
      b.enqueue(completeScript('openai', answer));
      const { response } = await callJson();
      expect(response.headers.get('x-meridian-provider')).toBe('fake-b');
    }
    expect(a.received).toHaveLength(10);
    b.enqueue(completeScript('openai', answer));
    const { response } = await callJson();
    expect(response.headers.get('x-meridian-attempts')).toBe('1');
    expect(a.received).toHaveLength(10);
    // A's outage is no fault of the request: a call only A may serve is a 503 the client may retry after the wait.
    const outage = await postChat(gateway.url, key, { ...request, provider: { only: ['fake-a'] } });
    expect(outage.status).toBe(503);
    expect(((await outage.json()) as { error: { code: string } }).error.code).toBe('no_available_provider');
    expect(outage.headers.get('retry-after')).not.toBeNull();
    expect(outage.headers.get('x-should-retry')).toBeNull();
    expect(a.received).toHaveLength(10);

    const endpoints = (await (await fetch(`${gateway.url}/api/v1/models/test/failover/endpoints`)).json()) as {
      data: { id: string; endpoints: Record<string, unknown>[] };
    };
    expect(endpoints.data.id).toBe('test/failover');
    const [endpointA, endpointB] = endpoints.data.endpoints;
    expect(endpointA).toMatchObject({ tag: 'fake-a', circuit: 'open', status: -1 });
    expect(endpointB).toMatchObject({ tag: 'fake-b', circuit: 'closed', status: 0, uptime_last_5m: 100 });
    expect(endpointB!['pricing']).toEqual({ prompt: '0.000003', completion: '0.000002' });
    expect(endpointA!['uptime_last_5m']).toBeLessThan(50);
  });
});

describe('routing controls over HTTP', () => {
  it('answers 400 naming the field for invalid controls, and honours only and order', async () => {
    const bad = async (extra: Record<string, unknown>) => {
      const error = (await callJson(extra).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
      return [error.status, (error.error as { param?: string }).param];
    };
    expect(await bad({ provider: { sort: 'fastest' } })).toEqual([400, 'provider.sort']);
    expect(await bad({ provider: { only: 'fake-a' } })).toEqual([400, 'provider.only']);
    expect(await bad({ models: ['test/no-such-model'] })).toEqual([400, 'models[0]']);
    b.enqueue(completeScript('openai', answer));
    const onlyB = await callJson({ provider: { only: ['fake-b'] } });
    expect(onlyB.response.headers.get('x-meridian-provider')).toBe('fake-b');
    b.enqueue(completeScript('openai', answer));
    const orderB = await callJson({ provider: { order: ['fake-b', 'fake-a'] } });
    expect(orderB.response.headers.get('x-meridian-provider')).toBe('fake-b');
    expect(a.received).toHaveLength(0);
  });
});

describe('an answer without any choice', () => {
  // Its own gateway: the failures above would otherwise add up to A's circuit opening.
  it('A answers 200 with `choices: []` (JSON) → B serves, charged once at B’s price', async () => {
    await restartGateway('no-choices');
    a.enqueue({ kind: 'json', body: { id: 'x', choices: [], usage: { prompt_tokens: 100, completion_tokens: 10 } } });
    b.enqueue(completeScript('openai', answer));
    const { completion, response } = await callJson();
    expect(completion.choices[0]!.message.content).toBe('Served.');
    expect(response.headers.get('x-meridian-provider')).toBe('fake-b');
    expect(response.headers.get('x-meridian-attempts')).toBe('2');
    expect((completion.usage as unknown as { cost: number }).cost).toBe(costAtB);
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
    const generation = await readGeneration(gateway.url, key, completion.id);
    expect(generation).toMatchObject({ provider_name: 'fake-b', total_cost: costAtB });
  });
});
