import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/create-fake-upstream.js';
import { readGeneration } from '../support/gateway-config.js';
import { validateSchema } from '../support/openapi.js';
import { startTestStack } from '../support/start-test-stack.js';
import type { TestStack } from '../support/start-test-stack.js';
import type { GatewayProcess } from '../support/start-gateway-process.js';

let stack: TestStack;
let fake: FakeUpstream;
let gateway: GatewayProcess;
let client: OpenAI;
let memberKey: string;

beforeAll(async () => {
  stack = await startTestStack('json-tests');
  ({ fake, gateway, key: memberKey, client } = stack);
});

afterAll(() => stack.stop());

const upstreamCompletion = {
  id: 'chatcmpl-upstream-1',
  object: 'chat.completion',
  created: 1_795_000_000,
  model: 'fake-upstream-model',
  system_fingerprint: 'fp_fake',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'The answer is 42.', reasoning_content: 'Think, then answer.' },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 1200,
    completion_tokens: 300,
    total_tokens: 1500,
    prompt_tokens_details: { cached_tokens: 1000 },
    completion_tokens_details: { reasoning_tokens: 100 },
  },
};

describe('POST /v1/chat/completions (JSON)', () => {
  it('sends an agent context upstream with its long texts as the client wrote them, and bills it as any call', async () => {
    // Over 64 KiB in all, so the gateway parses the body in pieces (src/json/parse-json-bytes.ts).
    const turn = (index: number): string => `turn ${index}: 你好, wörld/"quoted"\\ `.repeat(800);
    // Escaped as no serialiser of ours writes them: the upstream body shows whose bytes it carries.
    const spell = (text: string): string =>
      JSON.stringify(text).replace(/[^\x20-\x7e]|\//g, (character) =>
        character === '/' ? '\\/' : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
    const messages = [0, 1, 2].map(
      (index) => `{"role":"${index === 1 ? 'assistant' : 'user'}","content":${spell(turn(index))}}`,
    );
    const body = `{"model":"test/fake-model","max_tokens":400,"messages":[${messages.join(',')}]}`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
    fake.enqueue({ kind: 'json', body: upstreamCompletion });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { id: string; usage: { cost: number } };
    const received = fake.received.at(-1)!;
    for (const index of [0, 1, 2]) expect(received.text).toContain(`"content":${spell(turn(index))}`);
    expect((received.body['messages'] as { content: string }[]).map((message) => message.content)).toEqual(
      [0, 1, 2].map(turn),
    );
    expect(received.body['model']).toBe('fake-upstream-model');
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(received.text)));
    // Billed on the upstream's usage as any call: 1 200 prompt (1 000 cached) and 300 completion tokens.
    expect(completion.usage.cost).toBe(0.00021);
    expect(await readGeneration(gateway.url, memberKey, completion.id)).toMatchObject({
      ending: 'success',
      tokens_prompt: 1200,
      tokens_completion: 300,
      cost_nanos: '210000',
      upstream_cost_nanos: '210000',
      usage_estimated: false,
      // A JSON answer reaches the client whole: it has no time to first token, and no generation time after one.
      time_to_first_token: null,
      generation_time: null,
      throughput: null,
    });
  });

  it('returns the upstream text with mapped usage, exact cost and a gateway generation id', async () => {
    fake.enqueue({ kind: 'json', body: upstreamCompletion });
    const completion = await client.chat.completions.create({
      model: 'test/fake-model',
      messages: [{ role: 'user', content: 'What is the answer?' }],
      max_tokens: 400,
      // Unknown to the gateway: passed through untouched.
      ...({ top_k: 5, metadata: { trace: 'abc' } } as object),
    });
    expect(validateSchema('CreateChatCompletionResponse', completion)).toEqual([]);
    expect(completion.id).toMatch(/^gen-\d+-[A-Za-z0-9_-]+$/);
    expect(completion.model).toBe('test/fake-model');
    expect(completion.choices[0]!.message.content).toBe('The answer is 42.');
    expect((completion.choices[0]!.message as unknown as Record<string, unknown>)['reasoning']).toBe(
      'Think, then answer.',
    );
    // 200 uncached × 0.28 + 1000 cached × 0.028 + 300 completion × 0.42 (reasoning at the completion price), per 1M tokens.
    // = 56 000 + 28 000 + 126 000 = 210 000 nano-USD.
    expect(completion.usage).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 100 },
      cost: 0.00021,
      is_byok: false,
      cost_details: { upstream_inference_cost: 0.00021 },
    });

    const sent = fake.received.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer test-upstream-secret');
    expect(sent.body).toEqual({
      model: 'fake-upstream-model',
      messages: [{ role: 'user', content: 'What is the answer?' }],
      stream: false,
      max_tokens: 400,
      top_k: 5,
      metadata: { trace: 'abc' },
    });

    const record = await readGeneration(gateway.url, memberKey, completion.id);
    expect(record).toMatchObject({
      id: completion.id,
      model: 'test/fake-model',
      provider_name: 'fake-openai',
      upstream_model: 'fake-upstream-model',
      upstream_id: 'chatcmpl-upstream-1',
      streamed: false,
      ending: 'success',
      tokens_prompt: 1200,
      tokens_completion: 300,
      native_tokens_cached: 1000,
      native_tokens_reasoning: 100,
      cost_nanos: '210000',
      upstream_cost_nanos: '210000',
      total_cost: 0.00021,
      usage_estimated: false,
      finish_reason: 'stop',
      native_finish_reason: 'stop',
      origin: 'US',
      author: 'test',
    });
  });

  it('forwards tools, tool_choice and a json_schema response_format unchanged, and returns tool calls exactly', async () => {
    const toolCall = {
      id: 'call_abc',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    };
    fake.enqueue({
      kind: 'json',
      body: {
        ...upstreamCompletion,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [toolCall] },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      },
    });
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          strict: true,
        },
      },
    ];
    const responseFormat = {
      type: 'json_schema' as const,
      json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
    };
    const completion = await client.chat.completions.create({
      model: 'test/fake-model',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: responseFormat,
    });
    expect(completion.choices[0]!.message.tool_calls).toEqual([toolCall]);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    const sent = fake.received.at(-1)!.body;
    expect(sent['tools']).toEqual(tools);
    expect(sent['tool_choice']).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(sent['parallel_tool_calls']).toBe(false);
    expect(sent['response_format']).toEqual(responseFormat);
    // 50 × 0.28 + 10 × 0.42 per 1M = 14 000 + 4 200 nano-USD.
    expect(completion.usage?.['cost' as keyof typeof completion.usage]).toBe(0.0000182);
  });

  it('estimates usage with the tokenizer when the upstream reports none, and flags it', async () => {
    fake.enqueue({ kind: 'json', body: { ...upstreamCompletion, usage: undefined } });
    const completion = await client.chat.completions.create({
      model: 'test/fake-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const record = await readGeneration(gateway.url, memberKey, completion.id);
    expect(record['usage_estimated']).toBe(true);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(record['tokens_completion']).toBe(completion.usage?.completion_tokens);
  });
});
