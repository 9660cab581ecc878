import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { createMemberKey, readGeneration, testAdminKey } from '../support/gateway-config.js';
import { startGatewayProcess } from '../support/start-gateway-process.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

/**
 * Settings one client protocol has and some upstreams take natively: an Anthropic client's `top_k` reaches Gemini
 * (`generationConfig.topK`), Anthropic, and the OpenAI-compatible vendors whose catalog entry says they take it
 * (`openai.top_k`); the other vendors are not sent it, and the client is told in `x-meridian-warnings`. Prompt-cache
 * markers (`cache_control`) reach the OpenAI-compatible vendors that take them (`openai.cache_control`, DashScope's
 * explicit cache), whose cache writes are billed at the cache-write price.
 */
let fake: FakeUpstream;
let gateway: GatewayProcess;
let anthropic: Anthropic;
let openai: OpenAI;
let key: string;

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
  - id: fake-qwen
    protocol: openai
    base_url: ${baseUrl}
    api_key: test-qwen-secret
    openai: { top_k: true, cache_control: true }
  - id: fake-anthropic
    protocol: anthropic
    base_url: ${baseUrl}
    api_key: test-anthropic-secret
  - id: fake-gemini
    protocol: gemini
    base_url: ${baseUrl}
    api_key: test-gemini-secret
models:
${model('test/plain-openai', 'fake-openai', 'plain-model')}
${model('test/qwen', 'fake-qwen', 'qwen-model')}
${model('test/claude', 'fake-anthropic', 'claude-model')}
${model('test/gemini', 'fake-gemini', 'gemini-model')}
`;
}

function model(id: string, provider: string, upstreamModel: string): string {
  return `  - id: ${id}
    name: ${id}
    author: test
    origin: US
    context_length: 131072
    endpoints:
      - provider: ${provider}
        model: ${upstreamModel}
        pricing: { prompt: "1", completion: "2", cache_read: "0.1", cache_write: "1.25" }`;
}

beforeAll(async () => {
  fake = await createFakeUpstream();
  gateway = await startGatewayProcess({ configYaml: config(fake.baseUrl) });
  key = (await createMemberKey(gateway.url, 'vendor-extensions')).key;
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: key, maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.stop();
  gateway.cleanup();
  await fake.close();
});

beforeEach(() => fake.reset());

const hi = [{ role: 'user' as const, content: 'hi' }];

function openaiCompletion(usage: unknown): Record<string, unknown> {
  return {
    id: 'chatcmpl-up',
    object: 'chat.completion',
    created: 1,
    model: 'up',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage,
  };
}

const geminiAnswer = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
};

const claudeAnswer = {
  id: 'msg_up',
  type: 'message',
  role: 'assistant',
  model: 'claude-model',
  content: [{ type: 'text', text: 'ok' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 1 },
};

/** An Anthropic client's call with `top_k`, answered by `answer`; returns what the upstream got and the warnings. */
async function callWithTopK(modelId: string, answer: unknown): Promise<{ sent: unknown; warnings: string | null }> {
  fake.enqueue({ kind: 'json', body: answer });
  const { response } = await anthropic.messages
    .create({ model: modelId, max_tokens: 10, messages: hi, ...({ top_k: 40 } as object) })
    .withResponse();
  return { sent: fake.received.at(-1)!.body, warnings: response.headers.get('x-meridian-warnings') };
}

describe("an Anthropic client's top_k", () => {
  it('reaches a Gemini upstream as generationConfig.topK', async () => {
    const { sent, warnings } = await callWithTopK('test/gemini', geminiAnswer);
    expect(sent).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      generationConfig: { maxOutputTokens: 10, topK: 40 },
    });
    expect(warnings).toBeNull();
  });

  it('reaches an Anthropic upstream as top_k', async () => {
    const { sent, warnings } = await callWithTopK('test/claude', claudeAnswer);
    expect(sent).toEqual({
      model: 'claude-model',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      top_k: 40,
    });
    expect(warnings).toBeNull();
  });

  it('reaches an OpenAI-compatible vendor whose catalog entry takes top_k', async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    const { sent, warnings } = await callWithTopK('test/qwen', openaiCompletion(usage));
    expect(sent).toEqual({
      model: 'qwen-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      max_tokens: 10,
      top_k: 40,
    });
    expect(warnings).toBeNull();
  });

  it('is not sent to another OpenAI-compatible vendor, with a warning', async () => {
    const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    const { sent, warnings } = await callWithTopK('test/plain-openai', openaiCompletion(usage));
    expect(sent).toEqual({
      model: 'plain-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      max_tokens: 10,
    });
    expect(warnings).toContain('top_k');
  });
});

describe('prompt-cache markers to an OpenAI-compatible vendor', () => {
  const rules = 'You are a careful assistant. '.repeat(10);
  const ephemeral = { type: 'ephemeral' as const };
  /** DashScope's answer to a call that wrote 1 500 tokens to its explicit cache. */
  const cacheWriteUsage = {
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

  function anthropicCall(modelId: string): Promise<Anthropic.Message> {
    return anthropic.messages.create({
      model: modelId,
      max_tokens: 200,
      system: [{ type: 'text', text: rules, cache_control: ephemeral }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'text', text: 'second', cache_control: ephemeral },
          ],
        },
      ],
    });
  }

  it("an Anthropic client's reach a vendor that takes them on the parts where it put them, and the write is billed", async () => {
    fake.enqueue({ kind: 'json', body: openaiCompletion(cacheWriteUsage) });
    const message = await anthropicCall('test/qwen');
    expect(fake.received.at(-1)!.body).toEqual({
      model: 'qwen-model',
      messages: [
        { role: 'system', content: [{ type: 'text', text: rules, cache_control: ephemeral }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'text', text: 'second', cache_control: ephemeral },
          ],
        },
      ],
      stream: false,
      max_tokens: 200,
    });
    expect(message.usage).toMatchObject({ input_tokens: 1_519, cache_creation_input_tokens: 1_500 });
    const record = await readGeneration(gateway.url, key, message.id);
    // 1 519 uncached at $1/M, 1 500 written at $1.25/M, 104 out at $2/M: 1 519 000 + 1 875 000 + 208 000 nano-USD.
    expect(record['cost_nanos']).toBe('3602000');
  });

  it("an OpenAI client's (OpenRouter's spelling) reach that vendor too", async () => {
    fake.enqueue({ kind: 'json', body: openaiCompletion(cacheWriteUsage) });
    const messages = [
      { role: 'system', content: [{ type: 'text', text: rules, cache_control: ephemeral }] },
      { role: 'user', content: 'hi' },
    ] as unknown as OpenAI.ChatCompletionMessageParam[];
    await openai.chat.completions.create({ model: 'test/qwen', max_tokens: 200, messages });
    expect(fake.received.at(-1)!.body['messages']).toEqual([
      { role: 'system', content: [{ type: 'text', text: rules, cache_control: ephemeral }] },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('are not sent to a vendor that does not take them', async () => {
    fake.enqueue({
      kind: 'json',
      body: openaiCompletion({ prompt_tokens: 90, completion_tokens: 1, total_tokens: 91 }),
    });
    await anthropicCall('test/plain-openai');
    expect(fake.received.at(-1)!.body['messages']).toEqual([
      { role: 'system', content: rules },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
        ],
      },
    ]);
  });
});
