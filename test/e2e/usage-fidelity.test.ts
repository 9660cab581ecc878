import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeUpstream, sseFrames } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createMemberKey, readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Each vendor's own usage shape, read into the canonical record and priced per token class at that class's own price,
 * in JSON and in streams, and rendered back to the client in its protocol. Prices (USD per 1M tokens): prompt 1,
 * completion 2, cache read 0.1, cache write 1.25, cache write with a 1-hour lifetime 2, reasoning 3: every class has
 * its own price, so a token counted in the wrong class shows in the cost.
 */
let fake: FakeUpstream;
let gateway: GatewayProcess;
let key: string;
let openai: OpenAI;
let anthropic: Anthropic;

const pricing = `{ prompt: "1", completion: "2", cache_read: "0.1", cache_write: "1.25", cache_write_1h: "2", reasoning: "3" }`;

function config(baseUrl: string): string {
  return `
server: { host: 127.0.0.1, port: 0 }
storage: { url: "sqlite:{{dir}}/meridian.db" }
data_dir: "{{dir}}"
admin: { key: "${testAdminKey}" }
providers:
  - id: fake-openai
    protocol: openai
    base_url: ${baseUrl}
    api_key: test-upstream-secret
    openai: { max_tokens_field: max_tokens, reasoning_field: reasoning_content, stream_options: true }
  - id: fake-anthropic
    protocol: anthropic
    base_url: ${baseUrl}
    api_key: test-anthropic-secret
  - id: fake-gemini
    protocol: gemini
    base_url: ${baseUrl}
    api_key: test-gemini-secret
models:
  - id: test/priced-gemini
    name: Priced Gemini
    author: test
    origin: US
    context_length: 1048576
    endpoints:
      - provider: fake-gemini
        model: priced-gemini
        pricing: ${pricing}
  - id: test/priced-openai
    name: Priced OpenAI
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: fake-openai
        model: priced-openai
        pricing: ${pricing}
  - id: test/priced-claude
    name: Priced Claude
    author: test
    origin: US
    context_length: 200000
    endpoints:
      - provider: fake-anthropic
        model: priced-claude
        pricing: ${pricing}
`;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl) });
  key = (await createMemberKey(gateway.url, 'usage-fidelity')).key;
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

beforeEach(() => fake.reset());

const hi = [{ role: 'user' as const, content: 'hi' }];

/** Token counts by class → nano-USD at this file's prices (no markup), floored once as the gateway does. */
function nanos(counts: {
  uncached?: number;
  cacheRead?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
  text?: number;
  reasoning?: number;
}): string {
  const nanoTokensPerMillion =
    (counts.uncached ?? 0) * 1_000_000_000 +
    (counts.cacheRead ?? 0) * 100_000_000 +
    (counts.cacheWrite ?? 0) * 1_250_000_000 +
    (counts.cacheWrite1h ?? 0) * 2_000_000_000 +
    (counts.text ?? 0) * 2_000_000_000 +
    (counts.reasoning ?? 0) * 3_000_000_000;
  return String(BigInt(nanoTokensPerMillion) / 1_000_000n);
}

function completion(usage: unknown, finishReason = 'stop'): Record<string, unknown> {
  return {
    id: 'chatcmpl-up',
    object: 'chat.completion',
    created: 1,
    model: 'priced-openai',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: finishReason }],
    usage,
  };
}

function chunk(choice: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-up',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'priced-openai',
    choices: [{ index: 0, delta: {}, finish_reason: null, ...choice }],
    ...extra,
  };
}

async function generation(id: string): Promise<Record<string, unknown>> {
  return readGeneration(gateway.url, key, id);
}

describe('Moonshot (Kimi): usage in the last stream chunk’s choice', () => {
  const kimiUsage = { prompt_tokens: 1_000, completion_tokens: 10, total_tokens: 1_010, cached_tokens: 800 };

  it('reads choices[0].usage of a stream, with its top-level cached_tokens', async () => {
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ delta: { role: 'assistant', content: 'ok' } }),
        chunk({ finish_reason: 'stop', usage: kimiUsage }),
      ]),
    });
    const stream = await openai.chat.completions.create({
      model: 'test/priced-openai',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    let id = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const part of stream) {
      id = part.id;
      usage = part.usage ?? usage;
    }
    expect(usage?.prompt_tokens).toBe(1_000);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(800);
    expect(usage?.completion_tokens).toBe(10);
    const record = await generation(id);
    expect(record['usage_estimated']).toBe(false);
    expect([record['native_tokens_prompt'], record['native_tokens_cached']]).toEqual([1_000, 800]);
    expect(record['cost_nanos']).toBe(nanos({ uncached: 200, cacheRead: 800, text: 10 }));
    expect(record['upstream_cost_nanos']).toBe(record['cost_nanos']);
  });
});

describe('Qwen (DashScope): explicit-cache writes in prompt_tokens_details', () => {
  const dashscopeUsage = {
    prompt_tokens: 3_019,
    completion_tokens: 104,
    total_tokens: 3_123,
    prompt_tokens_details: {
      cached_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1_500 },
      cache_creation_input_tokens: 1_500,
      cache_type: 'ephemeral',
    },
  };

  it('bills the written tokens at the cache-write price and shows them to an Anthropic client', async () => {
    fake.enqueue({ kind: 'json', body: completion(dashscopeUsage) });
    const message = await anthropic.messages.create({ model: 'test/priced-openai', max_tokens: 4_096, messages: hi });
    expect(message.usage).toMatchObject({
      input_tokens: 1_519,
      cache_creation_input_tokens: 1_500,
      cache_read_input_tokens: 0,
      output_tokens: 104,
    });
    const record = await generation(message.id);
    expect([record['native_tokens_prompt'], record['native_tokens_cache_write']]).toEqual([3_019, 1_500]);
    expect(record['cost_nanos']).toBe(nanos({ uncached: 1_519, cacheWrite: 1_500, text: 104 }));
  });
});

describe("Gemini's OpenAI-compatible endpoint: thinking tokens only in total_tokens", () => {
  const geminiCompatUsage = {
    prompt_tokens: 20,
    completion_tokens: 424,
    total_tokens: 1_016,
    completion_tokens_details: { reasoning_tokens: 572 },
  };

  it('bills the thinking tokens as reasoning output, in JSON and in a stream', async () => {
    fake.enqueue({ kind: 'json', body: completion(geminiCompatUsage) });
    const json = await openai.chat.completions.create({ model: 'test/priced-openai', messages: hi });
    expect(json.usage).toMatchObject({
      prompt_tokens: 20,
      completion_tokens: 996,
      total_tokens: 1_016,
      completion_tokens_details: { reasoning_tokens: 572 },
    });
    const expected = nanos({ uncached: 20, text: 424, reasoning: 572 });
    expect((await generation(json.id))['cost_nanos']).toBe(expected);

    fake.enqueue({
      kind: 'sse',
      frames: sseFrames([
        chunk({ delta: { role: 'assistant', content: 'ok' } }),
        chunk({ finish_reason: 'stop' }),
        { ...chunk({}), choices: [], usage: geminiCompatUsage },
      ]),
    });
    const stream = anthropic.messages.stream({ model: 'test/priced-openai', max_tokens: 4_096, messages: hi });
    const message = await stream.finalMessage();
    expect(message.usage.output_tokens).toBe(996);
    const record = await generation(message.id);
    expect([record['native_tokens_completion'], record['native_tokens_reasoning']]).toEqual([996, 572]);
    expect(record['cost_nanos']).toBe(expected);
  });
});

describe('Anthropic: cache writes with a 1-hour lifetime', () => {
  const cacheCreation = { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 };
  const claudeUsage = {
    input_tokens: 10,
    cache_creation_input_tokens: 3_000,
    cache_read_input_tokens: 500,
    cache_creation: cacheCreation,
    output_tokens: 5,
  };
  const expected = nanos({ uncached: 10, cacheRead: 500, cacheWrite: 1_000, cacheWrite1h: 2_000, text: 5 });

  function message(usage: unknown): Record<string, unknown> {
    return {
      id: 'msg_up',
      type: 'message',
      role: 'assistant',
      model: 'priced-claude',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage,
    };
  }

  it('bills them at their own price and returns the split to an Anthropic client (JSON)', async () => {
    fake.enqueue({ kind: 'json', body: message(claudeUsage) });
    const json = await anthropic.messages.create({ model: 'test/priced-claude', max_tokens: 4_096, messages: hi });
    expect(json.usage).toMatchObject({
      input_tokens: 10,
      cache_creation_input_tokens: 3_000,
      cache_read_input_tokens: 500,
      cache_creation: cacheCreation,
    });
    const record = await generation(json.id);
    expect([record['cost_nanos'], record['upstream_cost_nanos']]).toEqual([expected, expected]);
  });

  it('bills them from a stream whose message_start carries the split, for an OpenAI client', async () => {
    const start = {
      ...message(claudeUsage),
      content: [],
      stop_reason: null,
      usage: { ...claudeUsage, output_tokens: 1 },
    };
    const events: [string, unknown][] = [
      ['message_start', { type: 'message_start', message: start }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'message_delta',
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } },
      ],
      ['message_stop', { type: 'message_stop' }],
    ];
    fake.enqueue({
      kind: 'sse',
      frames: events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    });
    const stream = await openai.chat.completions.create({
      model: 'test/priced-claude',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    let id = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const part of stream) {
      id = part.id;
      usage = part.usage ?? usage;
    }
    expect(usage).toMatchObject({
      prompt_tokens: 3_510,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 500, cache_write_tokens: 3_000 },
    });
    const record = await generation(id);
    expect([record['cost_nanos'], record['upstream_cost_nanos']]).toEqual([expected, expected]);
  });
});

describe('Gemini: cached, tool-use prompt and thinking counts', () => {
  const usageMetadata = {
    promptTokenCount: 1_000,
    cachedContentTokenCount: 600,
    toolUsePromptTokenCount: 50,
    candidatesTokenCount: 40,
    thoughtsTokenCount: 100,
    totalTokenCount: 1_190,
  };
  const expected = nanos({ uncached: 450, cacheRead: 600, text: 40, reasoning: 100 });

  function candidate(parts: unknown[], finishReason?: string): Record<string, unknown> {
    return { content: { role: 'model', parts }, index: 0, ...(finishReason === undefined ? {} : { finishReason }) };
  }

  it('bills each class at its price and shows Anthropic clients input_tokens without the cached ones (JSON)', async () => {
    const body = { candidates: [candidate([{ text: 'ok' }], 'STOP')], usageMetadata, responseId: 'g1' };
    fake.enqueue({ kind: 'json', body });
    const message = await anthropic.messages.create({ model: 'test/priced-gemini', max_tokens: 4_096, messages: hi });
    expect(message.usage).toMatchObject({ input_tokens: 450, cache_read_input_tokens: 600, output_tokens: 140 });
    const record = await generation(message.id);
    expect([record['native_tokens_prompt'], record['native_tokens_reasoning']]).toEqual([1_050, 100]);
    expect(record['cost_nanos']).toBe(expected);
  });

  it('takes the last cumulative usageMetadata of a stream (OpenAI client)', async () => {
    const early = { promptTokenCount: 1_000, cachedContentTokenCount: 600, toolUsePromptTokenCount: 50 };
    fake.enqueue({
      kind: 'sse',
      frames: sseFrames(
        [
          { candidates: [candidate([{ text: 'thinking', thought: true }])], usageMetadata: early, responseId: 'g2' },
          { candidates: [candidate([{ text: 'ok' }], 'STOP')], usageMetadata, responseId: 'g2' },
        ],
        false,
      ),
    });
    const stream = await openai.chat.completions.create({
      model: 'test/priced-gemini',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    let id = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const part of stream) {
      id = part.id;
      usage = part.usage ?? usage;
    }
    expect(usage).toMatchObject({
      prompt_tokens: 1_050,
      completion_tokens: 140,
      prompt_tokens_details: { cached_tokens: 600 },
      completion_tokens_details: { reasoning_tokens: 100 },
    });
    expect((await generation(id))['cost_nanos']).toBe(expected);
  });
});

describe('DeepSeek: prompt_cache_hit_tokens / prompt_cache_miss_tokens and reasoning', () => {
  it('bills hits at the cache-read price and reasoning at its own, for an Anthropic client', async () => {
    const usage = {
      prompt_tokens: 1_200,
      completion_tokens: 30,
      total_tokens: 1_230,
      prompt_cache_hit_tokens: 1_152,
      prompt_cache_miss_tokens: 48,
      completion_tokens_details: { reasoning_tokens: 27 },
    };
    fake.enqueue({ kind: 'json', body: completion(usage) });
    const message = await anthropic.messages.create({ model: 'test/priced-openai', max_tokens: 4_096, messages: hi });
    expect(message.usage).toMatchObject({ input_tokens: 48, cache_read_input_tokens: 1_152, output_tokens: 30 });
    const record = await generation(message.id);
    expect(record['cost_nanos']).toBe(nanos({ uncached: 48, cacheRead: 1_152, text: 3, reasoning: 27 }));
  });
});

describe('Anthropic-compatible vendors: prompt counts only in message_delta', () => {
  it('takes the final counts of message_delta over the zeros of message_start', async () => {
    const start = {
      id: 'msg_up',
      type: 'message',
      role: 'assistant',
      model: 'priced-claude',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    const finalUsage = { input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 7 };
    const events: [string, unknown][] = [
      ['message_start', { type: 'message_start', message: start }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: finalUsage }],
      ['message_stop', { type: 'message_stop' }],
    ];
    fake.enqueue({
      kind: 'sse',
      frames: events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`),
    });
    const message = await anthropic.messages
      .stream({ model: 'test/priced-claude', max_tokens: 4_096, messages: hi })
      .finalMessage();
    expect(message.usage).toMatchObject({ input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 7 });
    const record = await generation(message.id);
    expect(record['usage_estimated']).toBe(false);
    expect(record['cost_nanos']).toBe(nanos({ uncached: 100, cacheRead: 900, text: 7 }));
  });
});
